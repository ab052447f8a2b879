//! Running a loaded XDP program on a frame with `BPF_PROG_TEST_RUN`, and with live frames.

use aya::programs::{ProgramError, TestRun, TestRunAttrs, TestRunOptions, Xdp};

/// An XDP verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XdpAction {
    Aborted,
    Drop,
    Pass,
    Tx,
    Redirect,
    Other(u32),
}

impl From<u32> for XdpAction {
    fn from(v: u32) -> Self {
        match v {
            0 => Self::Aborted,
            1 => Self::Drop,
            2 => Self::Pass,
            3 => Self::Tx,
            4 => Self::Redirect,
            other => Self::Other(other),
        }
    }
}

/// What one test run of a program did to a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XdpRun {
    pub action: XdpAction,
    /// The frame as the program left it.
    pub frame: Vec<u8>,
}

/// Runs `prog` once on a copy of `frame` (nothing is transmitted).
pub fn test_run(prog: &Xdp, frame: &[u8]) -> Result<XdpRun, ProgramError> {
    // Room for the frame and then some, in case a program grows the tail.
    let mut out = vec![0u8; frame.len() + 256];
    let mut opts = TestRunOptions::new();
    opts.data_in = Some(frame);
    opts.data_out = Some(&mut out);
    let result = prog.test_run(opts)?;
    let len = usize::try_from(result.data_size_out).map_or(out.len(), |n| n.min(out.len()));
    out.truncate(len);
    Ok(XdpRun {
        action: XdpAction::from(result.return_value),
        frame: out,
    })
}

/// Runs `prog` `count` times on `frame` as live frames arriving on interface `ifindex`: frames
/// the program returns XDP_TX for are transmitted out of that interface
/// (`BPF_F_TEST_XDP_LIVE_FRAMES`).
pub fn live_run(prog: &Xdp, frame: &[u8], ifindex: u32, count: u32) -> Result<(), ProgramError> {
    let ctx = xdp_md(frame.len(), ifindex);
    let mut opts = TestRunOptions::new();
    opts.data_in = Some(frame);
    opts.ctx_in = Some(&ctx);
    opts.repeat = count;
    // Batch size 0: the kernel's default (NAPI_POLL_WEIGHT).
    opts.attrs = TestRunAttrs::new().xdp_live_frames(0);
    prog.test_run(opts)?;
    Ok(())
}

/// `struct xdp_md` as BPF_PROG_RUN takes it: data = 0, data_end = the frame length, no
/// metadata, the ingress interface; the kernel rejects anything else for live frames.
fn xdp_md(len: usize, ifindex: u32) -> [u8; 24] {
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    let fields: [u32; 6] = [0, len, 0, ifindex, 0, 0];
    let mut ctx = [0u8; 24];
    for (chunk, field) in ctx.chunks_exact_mut(4).zip(fields) {
        chunk.copy_from_slice(&field.to_ne_bytes());
    }
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_map_from_kernel_values() {
        assert_eq!(XdpAction::from(0), XdpAction::Aborted);
        assert_eq!(XdpAction::from(1), XdpAction::Drop);
        assert_eq!(XdpAction::from(2), XdpAction::Pass);
        assert_eq!(XdpAction::from(3), XdpAction::Tx);
        assert_eq!(XdpAction::from(4), XdpAction::Redirect);
        assert_eq!(XdpAction::from(9), XdpAction::Other(9));
    }

    #[test]
    fn xdp_md_layout() {
        let ctx = xdp_md(60, 7);
        assert_eq!(ctx[4..8], 60u32.to_ne_bytes());
        assert_eq!(ctx[12..16], 7u32.to_ne_bytes());
        assert_eq!(ctx.iter().filter(|&&b| b != 0).count(), 2);
    }
}
