//! Keys and certificates (KEY).
use crate::cred::scan::Scan;
use crate::{AnalysisOutput, CheckInfo, Context};

pub const CHECKS: &[&CheckInfo] = &[];

pub fn run(ctx: &Context<'_>, out: &mut AnalysisOutput) {
    let scan = Scan::run(ctx);
    run_with(ctx, &scan, out);
}

pub fn run_with(_ctx: &Context<'_>, _scan: &Scan, _out: &mut AnalysisOutput) {}
