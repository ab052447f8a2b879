//! Loads and drives the XDP program that owns a master group's virtual IP on this host.
