//! Every bound the core enforces, in one place. Hitting a bound is handled (an error reply, a
//! dropped link, a dropped script), never unbounded growth.

/// Bounds on buffers, queues and protocol frames.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest bulk string accepted, in bytes (Redis `proto-max-bulk-len`, 512 MB).
    pub bulk_len_max: usize,
    /// Largest array / map / set element count accepted (Redis caps a request at 1024*1024
    /// arguments; replies from instances are bounded the same way).
    pub array_len_max: usize,
    /// Deepest nesting of aggregate frames accepted.
    pub nesting_depth_max: usize,
    /// Longest inline request line, in bytes (Redis `PROTO_INLINE_MAX_SIZE`, 64 KiB).
    pub inline_len_max: usize,
    /// Commands in flight on one link before periodic commands are skipped
    /// (`SENTINEL_MAX_PENDING_COMMANDS`, multiplied by the link's refcount).
    pub pending_commands_max: usize,
    /// Scripts waiting to run (`SENTINEL_SCRIPT_MAX_QUEUE`).
    pub script_queue_max: usize,
    /// Scripts running at once (`SENTINEL_SCRIPT_MAX_RUNNING`).
    pub scripts_running_max: usize,
    /// Connected clients (Redis `maxclients`).
    pub clients_max: usize,
    /// Bytes of replies queued to one client before it is disconnected.
    pub client_output_max: usize,
    /// Commands one client may send while its `ACL LOAD` / `ACL SAVE` waits for the driver
    /// (they run, in order, once it is done); past this the client is disconnected.
    pub deferred_commands_max: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            bulk_len_max: 512 * 1024 * 1024,
            array_len_max: 1024 * 1024,
            nesting_depth_max: 128,
            inline_len_max: 64 * 1024,
            pending_commands_max: 100,
            script_queue_max: 256,
            scripts_running_max: 16,
            clients_max: 10_000,
            client_output_max: 64 * 1024 * 1024,
            deferred_commands_max: 1024,
        }
    }
}
