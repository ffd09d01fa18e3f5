//! A seedable pseudo-random generator of our own: xoshiro256** (Blackman and Vigna,
//! "Scrambled linear pseudorandom number generators", ACM TOMS 2021), seeded through
//! SplitMix64 as its authors recommend.
//!
//! Every random choice in the crate takes a `seed: u64` and draws from an [`Rng`] built
//! from it, so the same seed gives the same result. The integer stream, uniforms, shuffles
//! and samples are bit-identical on every platform (tested against the reference
//! implementation's outputs). Normal draws go through `ln`, `sin` and `cos`, which may
//! differ in the last bit between C libraries.
//!
//! Parallel work that needs randomness gives each task its own stream with
//! [`Rng::stream`], so results do not depend on which thread runs which task.

use crate::error::{Error, Result};

/// xoshiro256**: 256 bits of state, period 2²⁵⁶ - 1, passes BigCrush.
#[derive(Clone, Debug, PartialEq)]
pub struct Rng {
    s: [u64; 4],
    /// Box–Muller makes normals in pairs; the second waits here.
    spare_normal: Option<f64>,
}

/// SplitMix64's step: spreads a 64-bit seed over the state so that close seeds (0, 1, 2…)
/// give unrelated streams.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// The generator for `seed`: its state is four SplitMix64 outputs.
    pub fn seed_from_u64(seed: u64) -> Rng {
        let mut sm = seed;
        Rng {
            s: std::array::from_fn(|_| splitmix64(&mut sm)),
            spare_normal: None,
        }
    }

    /// A generator with an explicit state, as in the reference code; all zeros is the one
    /// state the generator cannot leave, so it is refused.
    pub fn from_state(s: [u64; 4]) -> Result<Rng> {
        if s == [0; 4] {
            return Err(Error::invalid(
                "state",
                "[0, 0, 0, 0]",
                "xoshiro256** needs a non-zero state",
            ));
        }
        Ok(Rng {
            s,
            spare_normal: None,
        })
    }

    /// Stream `index` of `seed`: `seed`'s generator advanced by `index` jumps of 2¹²⁸ steps,
    /// so streams never overlap. For per-task randomness in parallel code.
    pub fn stream(seed: u64, index: u64) -> Rng {
        let mut rng = Rng::seed_from_u64(seed);
        for _ in 0..index {
            rng.jump();
        }
        rng
    }

    /// The seed of sub-task `index` of `seed`: the first number of stream `index`. The one
    /// way the crate derives seeds (never `seed + i`, which overflows on a user's seed and
    /// makes neighbouring seeds share sub-tasks).
    pub fn child_seed(seed: u64, index: u64) -> u64 {
        Rng::stream(seed, index).next_u64()
    }

    // ANCHOR: next_u64
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }
    // ANCHOR_END: next_u64

    /// Advances the state by 2¹²⁸ steps (the reference `jump`).
    pub fn jump(&mut self) {
        const JUMP: [u64; 4] = [
            0x180e_c6d3_3cfd_0aba,
            0xd5a6_1266_f0c9_392c,
            0xa958_2618_e03f_c9aa,
            0x39ab_dc45_29b1_661c,
        ];
        let mut acc = [0u64; 4];
        for word in JUMP {
            for bit in 0..64 {
                if word & (1u64 << bit) != 0 {
                    for (a, s) in acc.iter_mut().zip(&self.s) {
                        *a ^= s;
                    }
                }
                self.next_u64();
            }
        }
        self.s = acc;
        self.spare_normal = None;
    }

    /// Uniform in [0, 1) with 53 random bits (every multiple of 2⁻⁵³).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, 1) with 24 random bits.
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / (1u32 << 24) as f32)
    }

    /// Uniform in [low, high).
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.next_f64()
    }

    // ANCHOR: below
    /// Uniform integer in `0..n` without modulo bias (Lemire, "Fast random integer generation
    /// in an interval", 2019): the high half of a 128-bit product, rejecting the few low
    /// halves that would over-represent some values.
    pub fn below(&mut self, n: u64) -> Result<u64> {
        if n == 0 {
            return Err(Error::invalid("n", 0, "the range 0..n must not be empty"));
        }
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n; // (2⁶⁴ - n) mod n
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        Ok((m >> 64) as u64)
    }
    // ANCHOR_END: below

    /// Uniform index in `0..n` (see [`Rng::below`]).
    pub fn index(&mut self, n: usize) -> Result<usize> {
        Ok(self.below(n as u64)? as usize)
    }

    // ANCHOR: normal
    /// A standard normal draw, by Box–Muller: for u₁ ∈ (0, 1] and u₂ ∈ [0, 1),
    /// `√(-2 ln u₁) (cos 2πu₂, sin 2πu₂)` are two independent N(0, 1) values.
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        let u1 = 1.0 - self.next_f64(); // (0, 1]: ln(u1) is finite
        let u2 = self.next_f64();
        let r = (-2.0 * u1.ln()).sqrt();
        let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
        self.spare_normal = Some(r * s);
        r * c
    }
    // ANCHOR_END: normal

    /// A draw from N(mean, sd²).
    pub fn gaussian(&mut self, mean: f64, sd: f64) -> f64 {
        mean + sd * self.normal()
    }

    /// Shuffles in place (Fisher–Yates: each of the n! orders equally likely).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            // i + 1 > 0, so `below` cannot fail.
            let j = self.below(i as u64 + 1).unwrap_or(0) as usize;
            items.swap(i, j);
        }
    }

    /// The indices `0..n` in random order.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        self.shuffle(&mut p);
        p
    }

    /// `k` distinct indices from `0..n`, in random order (a partial Fisher–Yates shuffle).
    pub fn sample_without_replacement(&mut self, n: usize, k: usize) -> Result<Vec<usize>> {
        if k > n {
            return Err(Error::invalid(
                "k",
                k,
                format!("cannot draw more than n = {n} distinct items"),
            ));
        }
        let mut pool: Vec<usize> = (0..n).collect();
        for i in 0..k {
            let j = i + self.below((n - i) as u64)? as usize;
            pool.swap(i, j);
        }
        pool.truncate(k);
        Ok(pool)
    }

    // ANCHOR: weighted
    /// An index drawn with probability proportional to `weights[i]` (k-means++ seeding,
    /// sampling a mixture component). Weights must be finite, non-negative, not all zero.
    pub fn weighted_index(&mut self, weights: &[f64]) -> Result<usize> {
        let mut total = 0.0;
        for (i, &w) in weights.iter().enumerate() {
            if !(w.is_finite() && w >= 0.0) {
                return Err(Error::invalid(
                    "weights",
                    format!("[{i}] = {w}"),
                    "weights must be finite and >= 0",
                ));
            }
            total += w;
        }
        if !(total > 0.0 && total.is_finite()) {
            return Err(Error::invalid(
                "weights",
                format!("sum {total}"),
                "weights must have a positive, finite sum",
            ));
        }
        let target = self.next_f64() * total;
        let mut cumulative = 0.0;
        for (i, &w) in weights.iter().enumerate() {
            cumulative += w;
            if target < cumulative {
                return Ok(i);
            }
        }
        // Rounding can leave target ≥ the running sum at the end: take the last positive weight.
        Ok(weights.iter().rposition(|&w| w > 0.0).unwrap_or(0))
    }
    // ANCHOR_END: weighted
}
