//! Axis ticks and the numbers written on them.

// ANCHOR: ticks
/// About `target` round tick positions covering [lo, hi]: steps of 1, 2 or 5 times a power
/// of ten (the "nice numbers" of Heckbert, *Graphics Gems*, 1990).
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = magnitude
        * match raw / magnitude {
            f if f < 1.5 => 1.0,
            f if f < 3.0 => 2.0,
            f if f < 7.0 => 5.0,
            _ => 10.0,
        };
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Ticks for an axis that counts (epochs, component indices): whole numbers only, at
/// least one apart.
pub fn integer_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let ticks = nice_ticks(lo, hi, target);
    match ticks.get(1).map(|b| b - ticks[0]) {
        Some(step) if step >= 1.0 => ticks,
        _ => (lo.ceil() as i64..=hi.floor() as i64)
            .map(|k| k as f64)
            .collect(),
    }
}

/// `v` with `decimals` decimals and never a "-0.00": a value that rounds to zero is
/// written without its sign.
pub fn fixed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// A tick label with as many decimals as the step needs, and no "-0".
pub(super) fn tick_label(v: f64, step: f64) -> String {
    fixed(v, (-step.abs().log10().floor()).max(0.0) as usize)
}
// ANCHOR_END: ticks
