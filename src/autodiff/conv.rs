//! Convolution, transposed convolution, pooling and upsampling on NCHW batches
//! (`(batch, channels, height, width)`, the last axis contiguous).
//!
//! A convolution is a matrix product in disguise (im2col): copy every receptive field of an
//! image into a column, and the layer becomes `Y = W · cols` with `W` the `(out, in·kh·kw)`
//! weights. Its VJPs are then two more products, `dW = dY · colsᵀ` and `dcols = Wᵀ · dY`,
//! and col2im, the adjoint of im2col, adds each column back onto the pixels it came from.
//! A transposed convolution is the same machinery run backwards: its forward pass is a
//! convolution's input gradient.
//!
//! The column matrix is built for a small group of images at a time, so it stays in cache
//! for its product; threads take whole groups.

use super::graph::{Graph, Var, Vjp};
use super::tensor::{row_sum, Tensor};
use crate::error::{Error, Result};
use crate::linalg::gemm::gemm_bands;
use crate::linalg::threads::{par_chunks_mut, par_map};
use crate::linalg::{Exec, Isa, MatRef, Scalar};
use std::ops::Range;

/// Stride, zero padding and dilation of a 2-d convolution (the same along both axes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dSpec {
    pub stride: usize,
    pub padding: usize,
    pub dilation: usize,
}

impl Default for Conv2dSpec {
    fn default() -> Self {
        Conv2dSpec {
            stride: 1,
            padding: 0,
            dilation: 1,
        }
    }
}

impl Conv2dSpec {
    pub fn stride(self, stride: usize) -> Self {
        Conv2dSpec { stride, ..self }
    }
    pub fn padding(self, padding: usize) -> Self {
        Conv2dSpec { padding, ..self }
    }
    pub fn dilation(self, dilation: usize) -> Self {
        Conv2dSpec { dilation, ..self }
    }
}

/// Below this many entries im2col and col2im stay on one thread (a spawn costs ~40 µs).
const PARALLEL_MIN: usize = 1 << 16;

/// The sizes of one convolution seen from its input side: `n` images of `c x h x w`,
/// `kh x kw` kernels, and the `ho x wo` output.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    kh: usize,
    kw: usize,
    ho: usize,
    wo: usize,
    spec: Conv2dSpec,
}

impl Geometry {
    /// The geometry of a convolution of `(n, c, h, w)` with `kh x kw` kernels, or an error
    /// if the kernel does not fit the padded input.
    fn new(
        op: &'static str,
        input: [usize; 4],
        kh: usize,
        kw: usize,
        spec: Conv2dSpec,
    ) -> Result<Geometry> {
        let [n, c, h, w] = input;
        if spec.stride == 0 || spec.dilation == 0 {
            return Err(Error::invalid(
                "stride/dilation",
                format!("{}/{}", spec.stride, spec.dilation),
                format!("{op}: must be at least 1"),
            ));
        }
        let span = |k: usize| spec.dilation * (k.max(1) - 1) + 1;
        let out = |size: usize, k: usize| {
            (size + 2 * spec.padding)
                .checked_sub(span(k))
                .map(|r| r / spec.stride + 1)
        };
        match (out(h, kh), out(w, kw)) {
            (Some(ho), Some(wo)) if kh > 0 && kw > 0 => Ok(Geometry {
                n,
                c,
                h,
                w,
                kh,
                kw,
                ho,
                wo,
                spec,
            }),
            _ => Err(Error::TensorShape {
                op,
                left: input.to_vec(),
                right: vec![kh, kw],
            }),
        }
    }
    /// Rows of the column matrix: one per (channel, kernel row, kernel column).
    fn patch(&self) -> usize {
        self.c * self.kh * self.kw
    }
    /// Output pixels per image.
    fn pixels(&self) -> usize {
        self.ho * self.wo
    }
    /// For kernel offset `k` along an axis of input length `size` and output length
    /// `out`: the output positions `lo..hi` that read inside the input, and the input
    /// position of output 0 (`o·stride + k·dilation - padding` is the one read by `o`).
    #[inline(always)]
    fn valid(&self, k: usize, size: usize, out: usize) -> (usize, usize, isize) {
        let (s, offset) = (
            self.spec.stride as isize,
            (k * self.spec.dilation) as isize - self.spec.padding as isize,
        );
        let lo = if offset >= 0 {
            0
        } else {
            (-offset + s - 1) / s
        };
        let hi = ((size as isize - offset + s - 1) / s).clamp(0, out as isize);
        (lo as usize, (hi as usize).max(lo as usize), offset)
    }
    /// Threads over groups of images, and threads within a group's products and
    /// copies: a batch smaller than the thread count (one image being optimised, as in
    /// chapter 15) splits its work inside the group instead.
    /// Output rows per block of a group of `count` images' column matrix: every row, but
    /// for one image too large for [`BLOCK`].
    fn rows_per_block(&self, count: usize) -> usize {
        if count > 1 {
            self.ho
        } else {
            (BLOCK / (self.patch() * self.wo).max(1)).clamp(1, self.ho.max(1))
        }
    }
    fn threads(&self, exec: Exec) -> (usize, usize) {
        if self.n * self.patch() * self.pixels() < PARALLEL_MIN {
            (1, 1)
        } else {
            (exec.threads, (exec.threads / self.n.div_ceil(GROUP)).max(1))
        }
    }
}

// ANCHOR: im2col
/// Writes the output rows `rows` of one image `(c, h, w)`'s column matrix into columns
/// `col0..col0 + rows.len()·wo` of `cols`, a `(c·kh·kw) x ld` row-major matrix: row
/// `(ch, i, j)` holds, for every output pixel, the input value under kernel tap `(i, j)`
/// of channel `ch` (0 in the padding).
fn im2col<T: Scalar>(
    x: &[T],
    g: &Geometry,
    (cols, ld, col0): (&mut [T], usize, usize),
    rows: Range<usize>,
    threads: usize,
) {
    let stride = g.spec.stride;
    let height = cols.len() / ld.max(1);
    let band = height.div_ceil(threads.max(1));
    par_chunks_mut(cols, band * ld, threads, |t, lines| {
        for (r, line) in lines.chunks_exact_mut(ld).enumerate() {
            let row = t * band + r;
            let out = &mut line[col0..col0 + rows.len() * g.wo];
            out.fill(T::ZERO);
            let (ch, i, j) = (row / (g.kh * g.kw), row / g.kw % g.kh, row % g.kw);
            let plane = &x[ch * g.h * g.w..][..g.h * g.w];
            // Only the output positions whose tap lands inside the image are copied; with
            // stride 1 a row of them is one contiguous copy.
            let (y_lo, y_hi, y_off) = g.valid(i, g.h, g.ho);
            let (x_lo, x_hi, x_off) = g.valid(j, g.w, g.wo);
            let first = ((x_lo * stride) as isize + x_off) as usize;
            for oy in y_lo.max(rows.start)..y_hi.min(rows.end) {
                let y = ((oy * stride) as isize + y_off) as usize;
                let src = &plane[y * g.w..][..g.w];
                let dst = &mut out[(oy - rows.start) * g.wo..][x_lo..x_hi];
                if stride == 1 {
                    dst.copy_from_slice(&src[first..first + dst.len()]);
                } else {
                    for (o, d) in dst.iter_mut().enumerate() {
                        *d = src[first + o * stride];
                    }
                }
            }
        }
    });
}

/// The adjoint of [`im2col`]: adds every entry of columns `col0..col0 + rows.len()·wo`
/// of `cols` back onto the input pixel it was copied from, into `x` `(c, h, w)`.
fn col2im<T: Scalar>(
    (cols, ld, col0): (&[T], usize, usize),
    g: &Geometry,
    rows: Range<usize>,
    x: &mut [T],
    threads: usize,
) {
    let stride = g.spec.stride;
    let (plane_len, taps) = (g.h * g.w, g.kh * g.kw);
    // Threads take whole channels: a channel's rows add only onto its own plane, in the
    // same order as on one thread.
    let per = g.c.div_ceil(threads.max(1));
    par_chunks_mut(x, per * plane_len, threads, |t, planes| {
        for (k, plane) in planes.chunks_exact_mut(plane_len).enumerate() {
            let ch = t * per + k;
            for (tap, line) in cols[ch * taps * ld..][..taps * ld]
                .chunks_exact(ld)
                .enumerate()
            {
                let src = &line[col0..col0 + rows.len() * g.wo];
                let (i, j) = (tap / g.kw, tap % g.kw);
                let (y_lo, y_hi, y_off) = g.valid(i, g.h, g.ho);
                let (x_lo, x_hi, x_off) = g.valid(j, g.w, g.wo);
                let first = ((x_lo * stride) as isize + x_off) as usize;
                for oy in y_lo.max(rows.start)..y_hi.min(rows.end) {
                    let y = ((oy * stride) as isize + y_off) as usize;
                    let dst = &mut plane[y * g.w..][..g.w];
                    let from = &src[(oy - rows.start) * g.wo..][x_lo..x_hi];
                    for (o, &v) in from.iter().enumerate() {
                        dst[first + o * stride] += v;
                    }
                }
            }
        }
    });
}
// ANCHOR_END: im2col

/// The most entries of a column matrix built at once. A larger single image (chapters 15
/// and 16 optimise one photo) is done in blocks of output rows, so the columns stay in
/// cache and one buffer serves every block; the blocks depend on the sizes alone, so the
/// result is the same for any thread count.
const BLOCK: usize = 1 << 21;

/// Images per product. A group's column matrices sit side by side, so the weights are
/// packed once per group rather than once per image (packing cost as much as the
/// multiply-adds of one small image). Threads take whole groups; the size is fixed, so the
/// groups' partial weight gradients, summed in group order, are the same for any thread
/// count.
const GROUP: usize = 8;

/// `C ← A·B + β C` on `threads` threads, into a row-major buffer of `cols(B)` columns.
fn gemm_into<T: Scalar>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: &mut [T],
    isa: Isa,
    threads: usize,
) {
    let tile = T::tile(isa.min(Isa::detected()));
    gemm_bands(&tile, T::ONE, a, b, beta, c, threads);
}

/// Images `(channels, pixels)` laid side by side: `(channels, images·pixels)`.
fn side_by_side<T: Scalar>(images: &[T], channels: usize, pixels: usize) -> Vec<T> {
    let count = images.len() / (channels * pixels).max(1);
    let mut out = vec![T::ZERO; images.len()];
    for (k, img) in images.chunks_exact(channels * pixels).enumerate() {
        for (ch, row) in img.chunks_exact(pixels).enumerate() {
            out[(ch * count + k) * pixels..][..pixels].copy_from_slice(row);
        }
    }
    out
}

/// The inverse of [`side_by_side`] for the pixels `first..first + span` of every channel
/// (all of them when `first` is 0 and `span` the image's pixels), adding `bias[ch]` to
/// channel `ch` when given: a group's product written back one image at a time.
fn one_by_one<T: Scalar>(
    group: &[T],
    channels: usize,
    (first, span): (usize, usize),
    bias: Option<&[T]>,
    images: &mut [T],
) {
    let count = group.len() / (channels * span).max(1);
    let pixels = images.len() / (count * channels).max(1);
    for (k, img) in images.chunks_exact_mut(channels * pixels).enumerate() {
        for (ch, plane) in img.chunks_exact_mut(pixels).enumerate() {
            let b = bias.map_or(T::ZERO, |b| b[ch]);
            let from = &group[(ch * count + k) * span..][..span];
            for (o, &v) in plane[first..first + span].iter_mut().zip(from) {
                *o = v + b;
            }
        }
    }
}

/// Adds each row's sum of a `(channels, ·)` matrix to `db[channel]` (a bias gradient).
fn add_row_sums<T: Scalar>(db: &mut [T], rows: &[T]) {
    let len = rows.len() / db.len().max(1);
    for (d, row) in db.iter_mut().zip(rows.chunks_exact(len)) {
        *d += row_sum(row);
    }
}

/// What one group of a backward pass returns: its images' input gradient, and its partial
/// weight and bias gradients.
type Partial<T> = (Vec<T>, Vec<T>, Vec<T>);

/// Sums the groups' partial gradients in group order, joins their input gradients, and
/// returns the gradients of input, weights and bias (those that are needed).
fn join_partials<T: Scalar>(ctx: &Vjp<'_, T>, parts: Vec<Partial<T>>) -> Vec<Option<Tensor<T>>> {
    let mut parts = parts.into_iter();
    let (mut dx, mut dw, mut db) = parts.next().unwrap_or_default();
    for (x, w, b) in parts {
        dx.extend(x);
        dw.iter_mut().zip(w).for_each(|(a, v)| *a += v);
        db.iter_mut().zip(b).for_each(|(a, v)| *a += v);
    }
    let grad = |i: usize, d: Vec<T>| {
        (i < ctx.inputs.len() && ctx.needs(i))
            .then(|| Tensor::new(ctx.inputs[i].shape(), d).expect("the input's shape"))
    };
    vec![grad(0, dx), grad(1, dw), grad(2, db)]
}

/// The four axes of an NCHW tensor, or an error naming the op.
fn nchw(op: &'static str, shape: &[usize]) -> Result<[usize; 4]> {
    match shape {
        &[n, c, h, w] => Ok([n, c, h, w]),
        _ => Err(Error::TensorShape {
            op,
            left: shape.to_vec(),
            right: vec![],
        }),
    }
}

impl<T: Scalar> Graph<T> {
    // ANCHOR: conv2d
    /// 2-d convolution (cross-correlation, as in every deep-learning library) of `x`
    /// `(n, c, h, w)` with weights `w` `(o, c, kh, kw)` and an optional bias `(o)`, giving
    /// `(n, o, ho, wo)`. Per group of images: `Y = W · cols`, an
    /// `(o, c·kh·kw)·(c·kh·kw, images·ho·wo)` product.
    pub fn conv2d(&mut self, x: Var, w: Var, bias: Option<Var>, spec: Conv2dSpec) -> Result<Var> {
        let input = nchw("conv2d input", self.shape(x))?;
        let [o, c, kh, kw] = nchw("conv2d weight", self.shape(w))?;
        if c != input[1] {
            return Err(Error::TensorShape {
                op: "conv2d (input channels vs weight)",
                left: input.to_vec(),
                right: self.shape(w).to_vec(),
            });
        }
        self.check_bias("conv2d bias", bias, o)?;
        let g = Geometry::new("conv2d", input, kh, kw, spec)?;
        let (isa, (threads, inner)) = (self.exec().isa, g.threads(self.exec()));
        let (image_in, image_out, p) = (c * g.h * g.w, o * g.pixels(), g.pixels());
        let (xv, wv) = (self.value(x).data(), self.value(w).data());
        let bv = bias.map(|b| self.value(b).data());
        let weights = MatRef::row_major(wv, o, g.patch());
        let mut y = vec![T::ZERO; g.n * image_out];
        par_chunks_mut(&mut y, GROUP * image_out, threads, |t, ys| {
            let count = ys.len() / image_out;
            let per = g.rows_per_block(count);
            let mut cols = vec![T::ZERO; g.patch() * count * per * g.wo]; // (c·kh·kw, images·rows·wo)
            let mut yb = vec![T::ZERO; o * count * per * g.wo]; // (o, images·rows·wo)
            for top in (0..g.ho).step_by(per) {
                let rows = top..(top + per).min(g.ho);
                let span = rows.len() * g.wo;
                let ld = count * span;
                for k in 0..count {
                    let x_k = &xv[(t * GROUP + k) * image_in..][..image_in];
                    im2col(
                        x_k,
                        &g,
                        (&mut cols[..g.patch() * ld], ld, k * span),
                        rows.clone(),
                        inner,
                    );
                }
                let yb = &mut yb[..o * ld];
                gemm_into(
                    weights,
                    MatRef::row_major(&cols[..g.patch() * ld], g.patch(), ld),
                    T::ZERO,
                    yb,
                    isa,
                    inner,
                );
                one_by_one(yb, o, (top * g.wo, span), bv, ys);
            }
        });
        let value = Tensor::new(&[g.n, o, g.ho, g.wo], y)?;
        let inputs: Vec<Var> = [x, w].into_iter().chain(bias).collect();
        Ok(self.push(value, &inputs, move |ctx| {
            let (xv, wv, dy) = (ctx.inputs[0].data(), ctx.inputs[1].data(), ctx.grad.data());
            let needs_b = ctx.inputs.len() == 3 && ctx.needs(2);
            let parts = par_map(g.n.div_ceil(GROUP), threads, |t| {
                let images = t * GROUP..(g.n).min((t + 1) * GROUP);
                let (count, ld) = (images.len(), images.len() * p);
                let dyg = side_by_side(&dy[images.start * image_out..images.end * image_out], o, p); // (o, images·ho·wo)
                let mut dx = vec![T::ZERO; if ctx.needs(0) { count * image_in } else { 0 }];
                let mut dw = vec![T::ZERO; if ctx.needs(1) { o * g.patch() } else { 0 }];
                let mut db = vec![T::ZERO; if needs_b { o } else { 0 }];
                let per = g.rows_per_block(count);
                let mut cols = vec![T::ZERO; g.patch() * count * per * g.wo];
                for top in (0..g.ho).step_by(per) {
                    let rows = top..(top + per).min(g.ho);
                    let span = rows.len() * g.wo;
                    let block = count * span;
                    let cols = &mut cols[..g.patch() * block];
                    // dY's columns for these rows: the whole group, or a run of one image's.
                    let dyb = MatRef::row_major(&dyg, o, ld).block(0, top * g.wo, o, block);
                    if ctx.needs(1) {
                        // dW += dY colsᵀ: each output pixel adds its receptive field,
                        // weighted by its gradient.
                        for k in 0..count {
                            let x_k = &xv[(images.start + k) * image_in..][..image_in];
                            im2col(x_k, &g, (&mut *cols, block, k * span), rows.clone(), inner);
                        }
                        let beta = if top == 0 { T::ZERO } else { T::ONE };
                        gemm_into(
                            dyb,
                            MatRef::row_major(cols, g.patch(), block).t(),
                            beta,
                            &mut dw,
                            isa,
                            inner,
                        );
                    }
                    if ctx.needs(0) {
                        // dcols = Wᵀ dY, then each column goes back onto its pixels.
                        gemm_into(
                            MatRef::row_major(wv, o, g.patch()).t(),
                            dyb,
                            T::ZERO,
                            cols,
                            isa,
                            inner,
                        );
                        for (k, dx_img) in dx.chunks_exact_mut(image_in).enumerate() {
                            col2im((cols, block, k * span), &g, rows.clone(), dx_img, inner);
                        }
                    }
                }
                if needs_b {
                    add_row_sums(&mut db, &dyg);
                }
                (dx, dw, db)
            });
            join_partials(ctx, parts)
        }))
    }
    // ANCHOR_END: conv2d

    fn check_bias(&self, op: &'static str, bias: Option<Var>, channels: usize) -> Result<()> {
        match bias {
            Some(b) if self.shape(b) != [channels] => Err(Error::TensorShape {
                op,
                left: vec![channels],
                right: self.shape(b).to_vec(),
            }),
            _ => Ok(()),
        }
    }

    /// Transposed convolution of `x` `(n, c_in, h, w)` with weights `(c_in, c_out, kh, kw)`
    /// and an optional bias `(c_out)`: the adjoint of [`Graph::conv2d`] with the same
    /// weights and spec, so it upsamples (`k = 4, stride 2, padding 1` doubles height and
    /// width). Output `(n, c_out, (h - 1)·stride - 2·padding + dilation·(kh - 1) + 1, …)`.
    pub fn conv_transpose2d(
        &mut self,
        x: Var,
        w: Var,
        bias: Option<Var>,
        spec: Conv2dSpec,
    ) -> Result<Var> {
        let [n, cin, h, wd] = nchw("conv_transpose2d input", self.shape(x))?;
        let [cin2, cout, kh, kw] = nchw("conv_transpose2d weight", self.shape(w))?;
        if cin != cin2 {
            return Err(Error::TensorShape {
                op: "conv_transpose2d (input channels vs weight)",
                left: self.shape(x).to_vec(),
                right: self.shape(w).to_vec(),
            });
        }
        self.check_bias("conv_transpose2d bias", bias, cout)?;
        if spec.stride == 0 || spec.dilation == 0 {
            return Err(Error::invalid(
                "stride/dilation",
                format!("{}/{}", spec.stride, spec.dilation),
                "conv_transpose2d: must be at least 1",
            ));
        }
        let size = |s: usize, k: usize| {
            ((s.max(1) - 1) * spec.stride + spec.dilation * (k.max(1) - 1) + 1)
                .checked_sub(2 * spec.padding)
                .filter(|&v| v > 0)
        };
        let (Some(ho), Some(wo)) = (size(h, kh), size(wd, kw)) else {
            return Err(Error::TensorShape {
                op: "conv_transpose2d (padding larger than the output)",
                left: self.shape(x).to_vec(),
                right: self.shape(w).to_vec(),
            });
        };
        // The convolution this one is the adjoint of maps (n, cout, ho, wo) to (n, cin, h, w).
        let g = Geometry::new("conv_transpose2d", [n, cout, ho, wo], kh, kw, spec)?;
        let (isa, (threads, inner)) = (self.exec().isa, g.threads(self.exec()));
        let (pin, image_in, image_out) = (h * wd, cin * h * wd, cout * ho * wo);
        let (xv, wv) = (self.value(x).data(), self.value(w).data());
        let bv = bias.map(|b| self.value(b).data());
        let mut y = vec![T::ZERO; n * image_out];
        par_chunks_mut(&mut y, GROUP * image_out, threads, |t, ys| {
            let count = ys.len() / image_out;
            let ld = count * pin;
            let xg = side_by_side(&xv[t * GROUP * image_in..][..count * image_in], cin, pin); // (cin, images·h·w)
            let mut cols = vec![T::ZERO; g.patch() * ld]; // (cout·kh·kw, images·h·w)
            gemm_into(
                MatRef::row_major(wv, cin, g.patch()).t(),
                MatRef::row_major(&xg, cin, ld),
                T::ZERO,
                &mut cols,
                isa,
                inner,
            );
            for (k, y_img) in ys.chunks_exact_mut(image_out).enumerate() {
                col2im((&cols, ld, k * pin), &g, 0..g.ho, y_img, inner);
                if let Some(b) = bv {
                    for (row, &bb) in y_img.chunks_exact_mut(ho * wo).zip(b) {
                        row.iter_mut().for_each(|v| *v += bb);
                    }
                }
            }
        });
        let value = Tensor::new(&[n, cout, ho, wo], y)?;
        let inputs: Vec<Var> = [x, w].into_iter().chain(bias).collect();
        Ok(self.push(value, &inputs, move |ctx| {
            let (xv, wv, dy) = (ctx.inputs[0].data(), ctx.inputs[1].data(), ctx.grad.data());
            let needs_b = ctx.inputs.len() == 3 && ctx.needs(2);
            let parts = par_map(n.div_ceil(GROUP), threads, |t| {
                let images = t * GROUP..n.min((t + 1) * GROUP);
                let (count, ld) = (images.len(), images.len() * pin);
                let mut gcols = vec![T::ZERO; g.patch() * ld]; // (cout·kh·kw, images·h·w)
                for k in 0..count {
                    im2col(
                        &dy[(images.start + k) * image_out..][..image_out],
                        &g,
                        (&mut gcols, ld, k * pin),
                        0..g.ho,
                        inner,
                    );
                }
                let gc = MatRef::row_major(&gcols, g.patch(), ld);
                let mut dx = Vec::new();
                if ctx.needs(0) {
                    let mut dxg = vec![T::ZERO; cin * ld];
                    gemm_into(
                        MatRef::row_major(wv, cin, g.patch()),
                        gc,
                        T::ZERO,
                        &mut dxg,
                        isa,
                        inner,
                    );
                    dx = vec![T::ZERO; count * image_in];
                    one_by_one(&dxg, cin, (0, pin), None, &mut dx);
                }
                let mut dw = vec![T::ZERO; if ctx.needs(1) { cin * g.patch() } else { 0 }];
                if ctx.needs(1) {
                    let xg = side_by_side(
                        &xv[images.start * image_in..images.end * image_in],
                        cin,
                        pin,
                    );
                    gemm_into(
                        MatRef::row_major(&xg, cin, ld),
                        gc.t(),
                        T::ZERO,
                        &mut dw,
                        isa,
                        inner,
                    );
                }
                let mut db = vec![T::ZERO; if needs_b { cout } else { 0 }];
                if needs_b {
                    for img in
                        dy[images.start * image_out..images.end * image_out].chunks_exact(image_out)
                    {
                        add_row_sums(&mut db, img);
                    }
                }
                (dx, dw, db)
            });
            join_partials(ctx, parts)
        }))
    }

    /// Max pooling over `k x k` windows moved by `stride`; the gradient goes to each
    /// window's (first) largest entry.
    pub fn max_pool2d(&mut self, x: Var, k: usize, stride: usize) -> Result<Var> {
        let input = nchw("max_pool2d", self.shape(x))?;
        let g = Geometry::new(
            "max_pool2d",
            input,
            k,
            k,
            Conv2dSpec::default().stride(stride),
        )?;
        let xv = self.value(x).data();
        let planes = g.n * g.c;
        let mut out = Vec::with_capacity(planes * g.pixels());
        let mut arg = Vec::with_capacity(planes * g.pixels());
        for p in 0..planes {
            let plane = &xv[p * g.h * g.w..][..g.h * g.w];
            for oy in 0..g.ho {
                for ox in 0..g.wo {
                    let mut best = (oy * stride) * g.w + ox * stride;
                    let mut top = plane[best];
                    for i in 0..k {
                        let row = (oy * stride + i) * g.w + ox * stride;
                        for (j, &v) in plane[row..row + k].iter().enumerate() {
                            // Selects, not branches: which entry wins is unpredictable, and a
                            // mispredicted branch per comparison made pooling 4x slower.
                            let better = v > top;
                            best = if better { row + j } else { best };
                            top = if better { v } else { top };
                        }
                    }
                    arg.push((p * g.h * g.w + best) as u32);
                    out.push(top);
                }
            }
        }
        let value = Tensor::new(&[g.n, g.c, g.ho, g.wo], out)?;
        Ok(self.push(value, &[x], move |ctx| {
            let mut dx = Tensor::zeros(ctx.inputs[0].shape());
            for (&at, &gr) in arg.iter().zip(ctx.grad.data()) {
                dx.data_mut()[at as usize] += gr;
            }
            vec![Some(dx)]
        }))
    }

    /// Average pooling over `k x k` windows moved by `stride`.
    pub fn avg_pool2d(&mut self, x: Var, k: usize, stride: usize) -> Result<Var> {
        let input = nchw("avg_pool2d", self.shape(x))?;
        let g = Geometry::new(
            "avg_pool2d",
            input,
            k,
            k,
            Conv2dSpec::default().stride(stride),
        )?;
        let scale = T::ONE / T::from_usize(k * k);
        let windows = move |f: &mut dyn FnMut(usize, usize)| {
            for p in 0..g.n * g.c {
                for oy in 0..g.ho {
                    for ox in 0..g.wo {
                        for i in 0..k {
                            for j in 0..k {
                                f(
                                    (p * g.ho + oy) * g.wo + ox,
                                    p * g.h * g.w + (oy * stride + i) * g.w + ox * stride + j,
                                );
                            }
                        }
                    }
                }
            }
        };
        let xv = self.value(x).data();
        let mut out = vec![T::ZERO; g.n * g.c * g.pixels()];
        windows(&mut |o, i| out[o] += scale * xv[i]);
        let value = Tensor::new(&[g.n, g.c, g.ho, g.wo], out)?;
        Ok(self.push(value, &[x], move |ctx| {
            let mut dx = Tensor::zeros(ctx.inputs[0].shape());
            let gr = ctx.grad.data();
            let d = dx.data_mut();
            windows(&mut |o, i| d[i] += scale * gr[o]);
            vec![Some(dx)]
        }))
    }

    /// Nearest-neighbour upsampling by an integer `scale`: each pixel becomes a
    /// `scale x scale` block.
    pub fn upsample_nearest(&mut self, x: Var, scale: usize) -> Result<Var> {
        self.upsample(x, scale, false)
    }

    /// Bilinear upsampling by an integer `scale`, sampling at pixel centres
    /// (PyTorch's `align_corners = false`).
    pub fn upsample_bilinear(&mut self, x: Var, scale: usize) -> Result<Var> {
        self.upsample(x, scale, true)
    }

    /// Upsampling as a fixed sparse linear map: every output pixel is a weighted sum of at
    /// most four input pixels, so the VJP scatters the gradient with the same weights.
    fn upsample(&mut self, x: Var, scale: usize, bilinear: bool) -> Result<Var> {
        let [n, c, h, w] = nchw("upsample", self.shape(x))?;
        if scale == 0 {
            return Err(Error::invalid(
                "scale",
                scale,
                "upsampling needs a scale of at least 1",
            ));
        }
        // Per output coordinate: (low source index, high source index, weight of high).
        let taps = |size: usize| -> Vec<(usize, usize, f64)> {
            (0..size * scale)
                .map(|o| {
                    if !bilinear {
                        return (o / scale, o / scale, 0.0);
                    }
                    let src = ((o as f64 + 0.5) / scale as f64 - 0.5).max(0.0);
                    let lo = (src.floor() as usize).min(size - 1);
                    ((lo), (lo + 1).min(size - 1), src - lo as f64)
                })
                .collect()
        };
        let (ty, tx) = (taps(h), taps(w));
        let (ho, wo) = (h * scale, w * scale);
        let weights = move |f: &mut dyn FnMut(usize, usize, T)| {
            for p in 0..n * c {
                for (oy, &(y0, y1, fy)) in ty.iter().enumerate() {
                    for (ox, &(x0, x1, fx)) in tx.iter().enumerate() {
                        let o = (p * ho + oy) * wo + ox;
                        let at = |y: usize, x: usize| p * h * w + y * w + x;
                        f(o, at(y0, x0), T::from_f64((1.0 - fy) * (1.0 - fx)));
                        f(o, at(y0, x1), T::from_f64((1.0 - fy) * fx));
                        f(o, at(y1, x0), T::from_f64(fy * (1.0 - fx)));
                        f(o, at(y1, x1), T::from_f64(fy * fx));
                    }
                }
            }
        };
        let xv = self.value(x).data();
        let mut out = vec![T::ZERO; n * c * ho * wo];
        weights(&mut |o, i, wt| out[o] += wt * xv[i]);
        let value = Tensor::new(&[n, c, ho, wo], out)?;
        Ok(self.push(value, &[x], move |ctx| {
            let mut dx = Tensor::zeros(ctx.inputs[0].shape());
            let (gr, d) = (ctx.grad.data(), dx.data_mut());
            weights(&mut |o, i, wt| d[i] += wt * gr[o]);
            vec![Some(dx)]
        }))
    }
}
