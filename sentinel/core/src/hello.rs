//! The hello message sentinels publish on `__sentinel__:hello` (spec §3.4): parser and formatter.
//! (Skeleton: implemented by the INFO/hello work item.)
