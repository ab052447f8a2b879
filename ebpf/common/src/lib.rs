//! Types shared between the XDP program (`ebpf/xdp`) and its loader (`sentinel/vip`).
#![no_std]
