//! Parser for the `INFO` reply of a monitored redis-server (spec §3.3).
//! (Skeleton: implemented by the INFO/hello work item.)
