//! Convolution, transposed convolution, pooling and upsampling on NCHW batches
//! (`(batch, channels, height, width)`, the last axis contiguous).
//!
//! A convolution is a matrix product in disguise (im2col): copy every receptive field of the
//! input into a column, and the layer becomes `Y = W · cols` with `W` the `(out, in·kh·kw)`
//! weights. Its VJPs are then two more products, `dW = dY · colsᵀ` and `dcols = Wᵀ · dY`,
//! and col2im, the adjoint of im2col, adds each column back onto the pixels it came from.
//! A transposed convolution is the same machinery run backwards: its forward pass is a
//! convolution's input gradient.

use super::graph::{Graph, Var};
use super::ops::matmul_buffers;
use super::tensor::Tensor;
use crate::error::{Error, Result};
use crate::linalg::threads::par_chunks_mut;
use crate::linalg::{Exec, Scalar};

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
    /// The input coordinate that kernel offset `k` at output position `o` reads, if inside.
    #[inline(always)]
    fn source(&self, o: usize, k: usize, size: usize) -> Option<usize> {
        let s = (o * self.spec.stride + k * self.spec.dilation).checked_sub(self.spec.padding)?;
        (s < size).then_some(s)
    }
    fn threads(&self, exec: Exec) -> usize {
        if self.n * self.patch() * self.pixels() < PARALLEL_MIN {
            1
        } else {
            exec.threads
        }
    }
}

// ANCHOR: im2col
/// The column matrix `(c·kh·kw, n·ho·wo)`: row `(ch, i, j)` holds, for every output pixel of
/// every image, the input value under kernel tap `(i, j)` of channel `ch` (0 in the padding).
fn im2col<T: Scalar>(x: &[T], g: &Geometry, exec: Exec) -> Vec<T> {
    let width = g.n * g.pixels();
    let mut cols = vec![T::ZERO; g.patch() * width];
    par_chunks_mut(&mut cols, width, g.threads(exec), |row, out| {
        let (ch, i, j) = (row / (g.kh * g.kw), row / g.kw % g.kh, row % g.kw);
        for img in 0..g.n {
            let plane = &x[(img * g.c + ch) * g.h * g.w..][..g.h * g.w];
            for oy in 0..g.ho {
                let Some(y) = g.source(oy, i, g.h) else {
                    continue;
                };
                let out_row = &mut out[img * g.pixels() + oy * g.wo..][..g.wo];
                for (ox, o) in out_row.iter_mut().enumerate() {
                    if let Some(x) = g.source(ox, j, g.w) {
                        *o = plane[y * g.w + x];
                    }
                }
            }
        }
    });
    cols
}

/// The adjoint of [`im2col`]: adds every entry of the column matrix back onto the input
/// pixel it was copied from, giving `(n, c, h, w)`. Threads split the images, and each sum
/// runs in the same order whatever the thread count.
fn col2im<T: Scalar>(cols: &[T], g: &Geometry, exec: Exec) -> Vec<T> {
    let width = g.n * g.pixels();
    let mut x = vec![T::ZERO; g.n * g.c * g.h * g.w];
    par_chunks_mut(&mut x, g.c * g.h * g.w, g.threads(exec), |img, image| {
        for row in 0..g.patch() {
            let (ch, i, j) = (row / (g.kh * g.kw), row / g.kw % g.kh, row % g.kw);
            let plane = &mut image[ch * g.h * g.w..][..g.h * g.w];
            let src = &cols[row * width + img * g.pixels()..][..g.pixels()];
            for oy in 0..g.ho {
                let Some(y) = g.source(oy, i, g.h) else {
                    continue;
                };
                for ox in 0..g.wo {
                    if let Some(x) = g.source(ox, j, g.w) {
                        plane[y * g.w + x] += src[oy * g.wo + ox];
                    }
                }
            }
        }
    });
    x
}
// ANCHOR_END: im2col

/// `(n, c, p)` → `(c, n·p)`: the layout the product `W · cols` reads and writes.
fn channel_major<T: Scalar>(x: &[T], n: usize, c: usize, p: usize) -> Vec<T> {
    let mut out = vec![T::ZERO; x.len()];
    for img in 0..n {
        for ch in 0..c {
            out[ch * n * p + img * p..][..p].copy_from_slice(&x[(img * c + ch) * p..][..p]);
        }
    }
    out
}

/// `(c, n·p)` → `(n, c, p)`, the inverse of [`channel_major`].
fn batch_major<T: Scalar>(x: &[T], n: usize, c: usize, p: usize) -> Vec<T> {
    let mut out = vec![T::ZERO; x.len()];
    for img in 0..n {
        for ch in 0..c {
            out[(img * c + ch) * p..][..p].copy_from_slice(&x[ch * n * p + img * p..][..p]);
        }
    }
    out
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
    /// `(n, c, h, w)` with weights `w` `(o, c, kh, kw)`, giving `(n, o, ho, wo)`.
    pub fn conv2d(&mut self, x: Var, w: Var, spec: Conv2dSpec) -> Result<Var> {
        let input = nchw("conv2d input", self.shape(x))?;
        let [o, c, kh, kw] = nchw("conv2d weight", self.shape(w))?;
        if c != input[1] {
            return Err(Error::TensorShape {
                op: "conv2d (input channels vs weight)",
                left: input.to_vec(),
                right: self.shape(w).to_vec(),
            });
        }
        let g = Geometry::new("conv2d", input, kh, kw, spec)?;
        let exec = self.exec();
        let cols = im2col(self.value(x).data(), &g, exec); // (c·kh·kw, n·ho·wo)
        let y = matmul_buffers(
            self.value(w).data(),
            &cols,
            (o, g.patch(), g.n * g.pixels()),
            (false, false),
            exec,
        ); // (o, n·ho·wo)
        let value = Tensor::new(&[g.n, o, g.ho, g.wo], batch_major(&y, g.n, o, g.pixels()))?;
        Ok(self.push(value, &[x, w], move |ctx| {
            let dy = channel_major(ctx.grad.data(), g.n, o, g.pixels()); // (o, n·ho·wo)
            let dx = ctx.needs(0).then(|| {
                // dcols = Wᵀ dY, then back onto the pixels.
                let dcols = matmul_buffers(
                    ctx.inputs[1].data(),
                    &dy,
                    (g.patch(), o, g.n * g.pixels()),
                    (true, false),
                    exec,
                );
                Tensor::new(ctx.inputs[0].shape(), col2im(&dcols, &g, exec)).expect("input shape")
            });
            let dw = ctx.needs(1).then(|| {
                // dW = dY colsᵀ: every output pixel adds its receptive field times its gradient.
                let dw = matmul_buffers(
                    &dy,
                    &cols,
                    (o, g.n * g.pixels(), g.patch()),
                    (false, true),
                    exec,
                );
                Tensor::new(ctx.inputs[1].shape(), dw).expect("weight shape")
            });
            vec![dx, dw]
        }))
    }
    // ANCHOR_END: conv2d

    /// Transposed convolution of `x` `(n, c_in, h, w)` with weights `(c_in, c_out, kh, kw)`:
    /// the adjoint of [`Graph::conv2d`] with the same weights and spec, so it upsamples
    /// (`k = 4, stride 2, padding 1` doubles height and width). Output
    /// `(n, c_out, (h - 1)·stride - 2·padding + dilation·(kh - 1) + 1, …)`.
    pub fn conv_transpose2d(&mut self, x: Var, w: Var, spec: Conv2dSpec) -> Result<Var> {
        let [n, cin, h, wd] = nchw("conv_transpose2d input", self.shape(x))?;
        let [cin2, cout, kh, kw] = nchw("conv_transpose2d weight", self.shape(w))?;
        if cin != cin2 {
            return Err(Error::TensorShape {
                op: "conv_transpose2d (input channels vs weight)",
                left: self.shape(x).to_vec(),
                right: self.shape(w).to_vec(),
            });
        }
        let size = |s: usize, k: usize| {
            ((s.max(1) - 1) * spec.stride + spec.dilation * (k.max(1) - 1) + 1)
                .checked_sub(2 * spec.padding)
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
        if (g.ho, g.wo) != (h, wd) {
            return Err(Error::TensorShape {
                op: "conv_transpose2d (stride does not tile the output)",
                left: self.shape(x).to_vec(),
                right: vec![ho, wo],
            });
        }
        let exec = self.exec();
        let xc = channel_major(self.value(x).data(), n, cin, h * wd); // (cin, n·h·w)
        let cols = matmul_buffers(
            self.value(w).data(),
            &xc,
            (g.patch(), cin, n * h * wd),
            (true, false),
            exec,
        );
        let value = Tensor::new(&[n, cout, ho, wo], col2im(&cols, &g, exec))?;
        Ok(self.push(value, &[x, w], move |ctx| {
            let gcols = im2col(ctx.grad.data(), &g, exec); // (cout·kh·kw, n·h·w)
            let dx = ctx.needs(0).then(|| {
                let dxc = matmul_buffers(
                    ctx.inputs[1].data(),
                    &gcols,
                    (cin, g.patch(), n * h * wd),
                    (false, false),
                    exec,
                );
                Tensor::new(ctx.inputs[0].shape(), batch_major(&dxc, n, cin, h * wd))
                    .expect("input shape")
            });
            let dw = ctx.needs(1).then(|| {
                let dw = matmul_buffers(
                    &xc,
                    &gcols,
                    (cin, n * h * wd, g.patch()),
                    (false, true),
                    exec,
                );
                Tensor::new(ctx.inputs[1].shape(), dw).expect("weight shape")
            });
            vec![dx, dw]
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
            for oy in 0..g.ho {
                for ox in 0..g.wo {
                    let mut best = p * g.h * g.w + oy * stride * g.w + ox * stride;
                    for i in 0..k {
                        for j in 0..k {
                            let at = p * g.h * g.w + (oy * stride + i) * g.w + ox * stride + j;
                            if xv[at] > xv[best] {
                                best = at;
                            }
                        }
                    }
                    arg.push(best);
                    out.push(xv[best]);
                }
            }
        }
        let value = Tensor::new(&[g.n, g.c, g.ho, g.wo], out)?;
        Ok(self.push(value, &[x], move |ctx| {
            let mut dx = Tensor::zeros(ctx.inputs[0].shape());
            for (&at, &gr) in arg.iter().zip(ctx.grad.data()) {
                dx.data_mut()[at] += gr;
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
