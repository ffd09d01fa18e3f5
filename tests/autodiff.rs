//! Chapter 10: every op's vector–Jacobian product against central finite differences in
//! f64 (as `torch.autograd.gradcheck` does, failing on any NaN), forward values against
//! formulas written out, the scalar engine against closed forms, and the tape's bookkeeping (fan-out, several graphs, frozen parameters, bad shapes).

mod common;

use proptest::prelude::*;
use unsupervised::autodiff::{
    gradient_check, BatchStats, Conv2dSpec, Graph, Parameter, Tensor, Value, Var,
};
use unsupervised::{Error, Result, Rng};

/// Allowed `|analytic - numeric| / (1 + |numeric|)`: central differences with
/// [`STEP`](unsupervised::autodiff::STEP) = 1e-6 carry errors near 1e-10, so 1e-6 leaves
/// four orders of margin while any wrong VJP is off by far more.
const GRAD_TOL: f64 = 1e-6;

type Op<'a> = dyn Fn(&mut Graph<f64>, &[Var]) -> Result<Var> + 'a;

/// Checks the gradients of `f` with respect to every entry of every input.
#[track_caller]
fn gradcheck<const N: usize>(inputs: [Tensor<f64>; N], f: &Op<'_>) {
    let worst = gradient_check(&inputs, f).expect("forward and backward run");
    assert!(worst <= GRAD_TOL, "worst relative gradient error {worst:e}");
}

fn rand(shape: &[usize], seed: u64) -> Tensor<f64> {
    Tensor::uniform(shape, -1.0, 1.0, &mut Rng::seed_from_u64(seed))
}

fn positive(shape: &[usize], seed: u64) -> Tensor<f64> {
    Tensor::uniform(shape, 0.2, 2.0, &mut Rng::seed_from_u64(seed))
}

#[test]
fn scalar_engine_matches_the_closed_form_derivatives() {
    // f(a, b) = tanh(a b + b²) + relu(a) / b
    let (a, b) = (Value::new(0.7), Value::new(-1.3));
    let f = a.mul(&b).add(&b.powf(2.0)).tanh().add(&a.relu().div(&b));
    f.backward();
    let (av, bv) = (0.7f64, -1.3f64);
    let t = (av * bv + bv * bv).tanh();
    let dfa = (1.0 - t * t) * bv + 1.0 / bv;
    let dfb = (1.0 - t * t) * (av + 2.0 * bv) - av / (bv * bv);
    assert!((f.data() - (t + av / bv)).abs() < 1e-15);
    assert!((a.grad() - dfa).abs() < 1e-12, "{} vs {dfa}", a.grad());
    assert!((b.grad() - dfb).abs() < 1e-12, "{} vs {dfb}", b.grad());
}

#[test]
fn scalar_engine_accumulates_a_value_used_twice() {
    // f = x·x + exp(ln x) = x² + x, f' = 2x + 1
    let x = Value::new(3.0);
    let f = x.mul(&x).add(&x.ln().exp());
    f.backward();
    assert!((x.grad() - 7.0).abs() < 1e-12);
    // A second backward starts from zero again.
    f.backward();
    assert!((x.grad() - 7.0).abs() < 1e-12);
}

#[test]
fn the_scalar_and_tensor_engines_agree() {
    let (a, b) = (Value::new(0.4), Value::new(1.9));
    let f = a.mul(&b).sub(&a.exp()).relu();
    f.backward();
    let mut g = Graph::new();
    let ta = g.variable(Tensor::scalar(0.4));
    let tb = g.variable(Tensor::scalar(1.9));
    let ab = g.mul(ta, tb).unwrap();
    let ea = g.exp(ta);
    let d = g.sub(ab, ea).unwrap();
    let y = g.relu(d);
    assert!((g.value(y).item().unwrap() - f.data()).abs() < 1e-15);
    let grads = g.backward(y).unwrap();
    assert!((grads.wrt(ta).unwrap().item().unwrap() - a.grad()).abs() < 1e-15);
    assert!((grads.wrt(tb).unwrap().item().unwrap() - b.grad()).abs() < 1e-15);
}

#[test]
fn broadcasting_arithmetic_passes_gradcheck() {
    let shapes: [(&[usize], &[usize]); 5] = [
        (&[3, 4], &[3, 4]),
        (&[3, 4], &[4]),
        (&[2, 3, 4], &[3, 1]),
        (&[2, 1, 4], &[1, 3, 1]),
        (&[3], &[]),
    ];
    for (i, (sa, sb)) in shapes.iter().enumerate() {
        let a = rand(sa, i as u64);
        let b = positive(sb, 10 + i as u64);
        gradcheck([a.clone(), b.clone()], &|g, v| g.add(v[0], v[1]));
        gradcheck([a.clone(), b.clone()], &|g, v| g.sub(v[0], v[1]));
        gradcheck([a.clone(), b.clone()], &|g, v| g.mul(v[0], v[1]));
        gradcheck([a.clone(), b.clone()], &|g, v| g.div(v[0], v[1]));
        gradcheck([b.clone(), a.clone()], &|g, v| g.div(v[1], v[0]));
    }
}

#[test]
fn entrywise_functions_pass_gradcheck() {
    let x = rand(&[3, 5], 1);
    let p = positive(&[3, 5], 2);
    gradcheck([x.clone()], &|g, v| Ok(g.add_scalar(v[0], 0.3)));
    gradcheck([x.clone()], &|g, v| Ok(g.mul_scalar(v[0], -2.5)));
    gradcheck([x.clone()], &|g, v| Ok(g.neg(v[0])));
    gradcheck([x.clone()], &|g, v| Ok(g.exp(v[0])));
    gradcheck([p.clone()], &|g, v| Ok(g.log(v[0])));
    gradcheck([p.clone()], &|g, v| Ok(g.sqrt(v[0])));
    gradcheck([p.clone()], &|g, v| Ok(g.powf(v[0], -1.7)));
    gradcheck([x.clone()], &|g, v| Ok(g.abs(v[0])));
    gradcheck([x.clone()], &|g, v| Ok(g.square(v[0])));
    gradcheck([x.clone()], &|g, v| Ok(g.clamp(v[0], -0.5, 0.45)));
    gradcheck([x.clone()], &|g, v| Ok(g.relu(v[0])));
    gradcheck([x.clone()], &|g, v| Ok(g.leaky_relu(v[0], 0.2)));
    gradcheck([x.clone()], &|g, v| Ok(g.sigmoid(v[0])));
    gradcheck([x.clone()], &|g, v| Ok(g.tanh(v[0])));
    gradcheck([x.map(|v| 30.0 * v)], &|g, v| Ok(g.softplus(v[0])));
}

#[test]
fn reductions_and_softmax_pass_gradcheck() {
    let x = rand(&[2, 3, 4], 3);
    gradcheck([x.clone()], &|g, v| Ok(g.sum(v[0])));
    gradcheck([x.clone()], &|g, v| Ok(g.mean(v[0])));
    for axis in 0..3 {
        gradcheck([x.clone()], &|g, v| g.sum_axis(v[0], axis));
        gradcheck([x.clone()], &|g, v| g.mean_axis(v[0], axis));
        gradcheck([x.clone()], &|g, v| g.max_axis(v[0], axis));
    }
    // Large logits: the max-shift keeps softmax finite.
    let z = x.map(|v| 50.0 * v);
    gradcheck([x.clone()], &|g, v| Ok(g.softmax(v[0])));
    gradcheck([z.clone()], &|g, v| Ok(g.log_softmax(v[0])));
}

#[test]
fn shape_ops_pass_gradcheck() {
    let x = rand(&[2, 3, 4], 4);
    let y = rand(&[2, 2, 4], 5);
    gradcheck([x.clone()], &|g, v| g.reshape(v[0], &[6, 4]));
    gradcheck([x.clone()], &|g, v| g.permute(v[0], &[2, 0, 1]));
    gradcheck([x.clone()], &|g, v| g.transpose(v[0], 0, 2));
    gradcheck([x.clone()], &|g, v| g.slice(v[0], 1, 1, 2));
    gradcheck([x.clone()], &|g, v| {
        let parts = g.split(v[0], 2, &[1, 3])?;
        let a = g.mul_scalar(parts[0], 2.0);
        g.mul(a, parts[1])
    });
    gradcheck([x.clone(), y.clone()], &|g, v| g.concat(&[v[0], v[1]], 1));
    let z = rand(&[4, 5], 6);
    gradcheck([z], &|g, v| g.gather(v[0], &[4, 0, 2, 4]));
}

#[test]
fn matmul_passes_gradcheck_in_every_form() {
    gradcheck([rand(&[3, 4], 7), rand(&[4, 5], 8)], &|g, v| {
        g.matmul(v[0], v[1])
    });
    gradcheck([rand(&[2, 3, 4], 9), rand(&[2, 4, 5], 10)], &|g, v| {
        g.matmul(v[0], v[1])
    });
    gradcheck([rand(&[2, 3, 4], 11), rand(&[4, 5], 12)], &|g, v| {
        g.matmul(v[0], v[1])
    });
}

#[test]
fn convolutions_pass_gradcheck() {
    let specs = [
        Conv2dSpec::default(),
        Conv2dSpec::default().stride(2).padding(1),
        Conv2dSpec::default().padding(2).dilation(2),
    ];
    for spec in specs {
        let x = rand(&[2, 3, 6, 5], 13);
        let w = rand(&[4, 3, 3, 2], 14);
        let b = rand(&[4], 41);
        gradcheck([x, w, b], &|g, v| g.conv2d(v[0], v[1], Some(v[2]), spec));
        let x = rand(&[2, 3, 3, 4], 15);
        let w = rand(&[3, 2, 3, 3], 16);
        let b = rand(&[2], 42);
        gradcheck([x, w, b], &|g, v| {
            g.conv_transpose2d(v[0], v[1], Some(v[2]), spec)
        });
    }
}

#[test]
fn pooling_and_upsampling_pass_gradcheck() {
    let x = rand(&[2, 2, 6, 6], 17);
    gradcheck([x.clone()], &|g, v| g.max_pool2d(v[0], 2, 2));
    gradcheck([x.clone()], &|g, v| g.max_pool2d(v[0], 3, 1));
    gradcheck([x.clone()], &|g, v| g.avg_pool2d(v[0], 2, 2));
    gradcheck([x.clone()], &|g, v| g.avg_pool2d(v[0], 3, 2));
    let x = rand(&[1, 2, 3, 4], 18);
    gradcheck([x.clone()], &|g, v| g.upsample_nearest(v[0], 2));
    gradcheck([x.clone()], &|g, v| g.upsample_bilinear(v[0], 3));
}

#[test]
fn batch_norm_and_dropout_pass_gradcheck() {
    for shape in [&[5, 3][..], &[3, 2, 2, 3][..]] {
        let x = rand(shape, 19);
        let (gamma, beta) = (positive(&[shape[1]], 20), rand(&[shape[1]], 21));
        gradcheck([x.clone(), gamma.clone(), beta.clone()], &|g, v| {
            Ok(g.batch_norm(v[0], v[1], v[2], None, 1e-5)?.0)
        });
        let stats = BatchStats {
            mean: vec![0.1; shape[1]],
            var: vec![0.7; shape[1]],
        };
        gradcheck([x.clone(), gamma, beta], &|g, v| {
            Ok(g.batch_norm(v[0], v[1], v[2], Some(&stats), 1e-5)?.0)
        });
    }
    // Inverted dropout: a kept entry is scaled by 1/(1 - p), so with p = 0.5 every entry of
    // a tensor of ones is 0 or 2.
    let mut g = Graph::new();
    let ones = g.constant(Tensor::new(&[8, 8], vec![1.0; 64]).unwrap());
    let dropped = g.dropout(ones, 0.5, &mut Rng::seed_from_u64(9)).unwrap();
    let values = g.value(dropped).data().to_vec();
    assert!(values.iter().all(|&v| v == 0.0 || v == 2.0), "{values:?}");
    assert!(values.contains(&0.0) && values.contains(&2.0));
    // The same seed gives the same mask in every evaluation.
    gradcheck([rand(&[4, 6], 22)], &|g, v| {
        g.dropout(v[0], 0.3, &mut Rng::seed_from_u64(5))
    });
}

#[test]
fn losses_pass_gradcheck() {
    let pred = rand(&[4, 3], 23);
    let target = Tensor::uniform(&[4, 3], 0.0, 1.0, &mut Rng::seed_from_u64(24));
    gradcheck([pred.clone(), target.clone()], &|g, v| g.mse(v[0], v[1]));
    let logits = pred.map(|v| 20.0 * v);
    gradcheck([logits.clone(), target.clone()], &|g, v| {
        g.bce_with_logits(v[0], v[1])
    });
    gradcheck([logits.clone()], &|g, v| {
        g.cross_entropy_with_logits(v[0], &[2, 0, 1, 1])
    });
    gradcheck([pred.clone(), rand(&[4, 3], 25)], &|g, v| {
        g.gaussian_kl(v[0], v[1])
    });
    let rho_hat = Tensor::uniform(&[6], 0.05, 0.9, &mut Rng::seed_from_u64(26));
    gradcheck([rho_hat], &|g, v| g.bernoulli_kl(0.05, v[0]));
    let img = rand(&[2, 1, 4, 5], 27);
    gradcheck([img.clone()], &|g, v| g.total_variation(v[0], 2.0));
    gradcheck([img.clone()], &|g, v| g.total_variation(v[0], 1.0));
    gradcheck([rand(&[2, 3, 2, 3], 28)], &|g, v| g.gram(v[0]));
}

#[test]
fn losses_match_their_closed_forms() {
    let mut g = Graph::new();
    // BCE at logit 0 is log 2 whatever the target; at a huge logit it stays finite.
    let z = g.constant(Tensor::new(&[3], vec![0.0, 800.0, -800.0]).unwrap());
    let y = g.constant(Tensor::new(&[3], vec![0.3, 0.0, 0.0]).unwrap());
    let l = g.bce_with_logits(z, y).unwrap();
    let expected = (2f64.ln() + 800.0 + 0.0) / 3.0;
    assert!((g.value(l).item().unwrap() - expected).abs() < 1e-12);
    // Cross-entropy of uniform logits is log(classes).
    let z = g.constant(Tensor::zeros(&[2, 5]));
    let ce = g.cross_entropy_with_logits(z, &[1, 4]).unwrap();
    assert!((g.value(ce).item().unwrap() - 5f64.ln()).abs() < 1e-12);
    // KL(N(0, 1) ‖ N(0, 1)) = 0, and KL(N(1, e) ‖ N(0, 1)) = ½(1 + e - 1 - 1) per dimension.
    let mu = g.constant(Tensor::new(&[1, 2], vec![0.0, 1.0]).unwrap());
    let lv = g.constant(Tensor::new(&[1, 2], vec![0.0, 1.0]).unwrap());
    let kl = g.gaussian_kl(mu, lv).unwrap();
    assert!((g.value(kl).item().unwrap() - 0.5 * (1f64.exp() - 1.0)).abs() < 1e-12);
    // KL(ρ ‖ ρ) = 0.
    let q = g.constant(Tensor::full(&[3], 0.1));
    let b = g.bernoulli_kl(0.1, q).unwrap();
    assert!(g.value(b).item().unwrap().abs() < 1e-15);
}

/// The readable convolution: four loops per output entry. The test oracle of the im2col path.
fn naive_conv2d(x: &Tensor<f64>, w: &Tensor<f64>, spec: Conv2dSpec) -> Vec<f64> {
    let [n, c, h, wd] = x.shape().try_into().unwrap();
    let [o, _, kh, kw] = w.shape().try_into().unwrap();
    let out =
        |s: usize, k: usize| (s + 2 * spec.padding - spec.dilation * (k - 1) - 1) / spec.stride + 1;
    let (ho, wo) = (out(h, kh), out(wd, kw));
    let mut y = Vec::new();
    for b in 0..n {
        for oc in 0..o {
            for oy in 0..ho {
                for ox in 0..wo {
                    let mut s = 0.0;
                    for ic in 0..c {
                        for i in 0..kh {
                            for j in 0..kw {
                                let yy = (oy * spec.stride + i * spec.dilation) as isize
                                    - spec.padding as isize;
                                let xx = (ox * spec.stride + j * spec.dilation) as isize
                                    - spec.padding as isize;
                                if yy >= 0 && xx >= 0 && (yy as usize) < h && (xx as usize) < wd {
                                    s += x.data()
                                        [((b * c + ic) * h + yy as usize) * wd + xx as usize]
                                        * w.data()[((oc * c + ic) * kh + i) * kw + j];
                                }
                            }
                        }
                    }
                    y.push(s);
                }
            }
        }
    }
    y
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn conv2d_matches_the_naive_loops(
        n in 1usize..3, c in 1usize..4, o in 1usize..4, h in 3usize..9, w in 3usize..9,
        k in 1usize..4, stride in 1usize..3, padding in 0usize..2, dilation in 1usize..3, seed in 0u64..1000,
    ) {
        let spec = Conv2dSpec { stride, padding, dilation };
        prop_assume!(h + 2 * padding > dilation * (k - 1) && w + 2 * padding > dilation * (k - 1));
        let x = rand(&[n, c, h, w], seed);
        let wt = rand(&[o, c, k, k], seed + 1);
        let mut g = Graph::new();
        let (xv, wv) = (g.constant(x.clone()), g.constant(wt.clone()));
        let y = g.conv2d(xv, wv, None, spec).unwrap();
        common::assert_close(g.value(y).data(), &naive_conv2d(&x, &wt, spec), 1e-13, 1e-13);
    }

    #[test]
    fn transposed_convolution_is_the_adjoint_of_convolution(
        c in 1usize..4, o in 1usize..4, h in 4usize..9, k in 1usize..4, stride in 1usize..3, padding in 0usize..2, seed in 0u64..1000,
    ) {
        // ⟨conv(x), y⟩ = ⟨x, convᵀ(y)⟩ for every x and y.
        let spec = Conv2dSpec::default().stride(stride).padding(padding);
        let x = rand(&[1, c, h, h], seed);
        let wt = rand(&[o, c, k, k], seed + 1);
        let mut g = Graph::new();
        let (xv, wv) = (g.constant(x.clone()), g.constant(wt.clone()));
        let cx = g.conv2d(xv, wv, None, spec).unwrap();
        let y = rand(g.shape(cx), seed + 2);
        let yv = g.constant(y.clone());
        // The transpose maps back to x's size exactly when the convolution used every row:
        // (h + 2p - (k - 1) - 1) divisible by the stride. Then its shape must be x's.
        prop_assume!((h + 2 * padding - k) % stride == 0);
        let ty = g.conv_transpose2d(yv, wv, None, spec).unwrap();
        prop_assert_eq!(g.shape(ty), x.shape());
        let lhs: f64 = g.value(cx).data().iter().zip(y.data()).map(|(a, b)| a * b).sum();
        let rhs: f64 = x.data().iter().zip(g.value(ty).data()).map(|(a, b)| a * b).sum();
        prop_assert!((lhs - rhs).abs() <= 1e-12 * (1.0 + lhs.abs()));
    }

    #[test]
    fn broadcast_products_pass_gradcheck_on_random_shapes(
        a in proptest::collection::vec(1usize..4, 1..4), mask in proptest::collection::vec(any::<bool>(), 4), seed in 0u64..1000,
    ) {
        // b is a with some axes stretched (set to 1) and possibly fewer leading axes.
        let b: Vec<usize> = a.iter().zip(&mask).map(|(&d, &m)| if m { 1 } else { d }).collect();
        let b = &b[usize::from(mask[3] && b.len() > 1)..];
        gradcheck([rand(&a, seed), positive(b, seed + 1)], &|g, v| {
            let p = g.mul(v[0], v[1])?;
            g.div(p, v[1])
        });
    }

    #[test]
    fn matmul_passes_gradcheck_on_random_sizes(m in 1usize..6, k in 1usize..6, n in 1usize..6, seed in 0u64..1000) {
        gradcheck([rand(&[m, k], seed), rand(&[k, n], seed + 1)], &|g, v| g.matmul(v[0], v[1]));
    }
}

#[test]
fn a_parameter_used_twice_gets_both_gradients() {
    // y = sum(W x) + sum(W x') with W used through two nodes: dW = 1·(x + x')ᵀ.
    let w = Parameter::new("w", rand(&[2, 3], 30));
    let (x1, x2) = (rand(&[3, 1], 31), rand(&[3, 1], 32));
    let mut g = Graph::new();
    let (wa, wb) = (g.param(&w), g.param(&w));
    let (c1, c2) = (g.constant(x1.clone()), g.constant(x2.clone()));
    let y1 = g.matmul(wa, c1).unwrap();
    let y2 = g.matmul(wb, c2).unwrap();
    let s = g.add(y1, y2).unwrap();
    let loss = g.sum(s);
    let grads = g.backward(loss).unwrap();
    let dw = grads.param(&w).unwrap();
    for r in 0..2 {
        for c in 0..3 {
            assert!((dw.data()[r * 3 + c] - (x1.data()[c] + x2.data()[c])).abs() < 1e-15);
        }
    }
}

#[test]
fn gradients_of_two_graphs_accumulate_to_the_gradient_of_the_sum() {
    let w = Parameter::new("w", rand(&[3, 3], 33));
    let (xa, xb) = (rand(&[4, 3], 34), rand(&[4, 3], 35));
    let loss_of = |g: &mut Graph<f64>, x: &Tensor<f64>| {
        let (wv, xv) = (g.param(&w), g.constant(x.clone()));
        let y = g.matmul(xv, wv).unwrap();
        let t = g.tanh(y);
        g.mean(t)
    };
    let mut ga = Graph::new();
    let la = loss_of(&mut ga, &xa);
    let mut acc = ga.backward(la).unwrap();
    let mut gb = Graph::new();
    let lb = loss_of(&mut gb, &xb);
    acc.accumulate(gb.backward(lb).unwrap());
    let mut g = Graph::new();
    let (l1, l2) = (loss_of(&mut g, &xa), loss_of(&mut g, &xb));
    let total = g.add(l1, l2).unwrap();
    let joint = g.backward(total).unwrap();
    common::assert_close(
        acc.param(&w).unwrap().data(),
        joint.param(&w).unwrap().data(),
        1e-14,
        1e-15,
    );
}

#[test]
fn a_frozen_parameter_gets_no_gradient_and_changes_nothing_else() {
    let mut a = Parameter::new("a", rand(&[2, 2], 36));
    let b = Parameter::new("b", rand(&[2, 2], 37));
    let run = |a: &Parameter<f64>| {
        let mut g = Graph::new();
        let (av, bv) = (g.param(a), g.param(&b));
        let y = g.matmul(av, bv).unwrap();
        let l = g.sum(y);
        g.backward(l).unwrap()
    };
    let free = run(&a);
    a.set_frozen(true);
    let frozen = run(&a);
    assert!(frozen.param(&a).is_none());
    assert!(free.param(&a).is_some());
    assert_eq!(frozen.param(&b), free.param(&b));
}

#[test]
fn gradients_with_respect_to_an_input_image() {
    // d/dx ‖x - t‖² / n = 2(x - t)/n: what feature inversion follows.
    let (x, t) = (rand(&[1, 1, 3, 3], 38), rand(&[1, 1, 3, 3], 39));
    let mut g = Graph::new();
    let (xv, tv) = (g.variable(x.clone()), g.constant(t.clone()));
    let l = g.mse(xv, tv).unwrap();
    let grads = g.backward(l).unwrap();
    let expected: Vec<f64> = x
        .data()
        .iter()
        .zip(t.data())
        .map(|(a, b)| 2.0 * (a - b) / 9.0)
        .collect();
    common::assert_close(grads.wrt(xv).unwrap().data(), &expected, 1e-14, 1e-16);
}

#[test]
fn the_tape_keeps_its_graph_only_when_asked() {
    let mut g = Graph::new();
    let x = g.variable(rand(&[3], 40));
    let y = g.square(x);
    let l1 = g.sum(y);
    let l2 = g.mean(y);
    // Two losses of one forward pass: the first backward keeps the tape.
    let d1 = g.backward_retained(l1).unwrap();
    let d2 = g.backward(l2).unwrap();
    for ((a, b), v) in d1
        .wrt(x)
        .unwrap()
        .data()
        .iter()
        .zip(d2.wrt(x).unwrap().data())
        .zip(rand(&[3], 40).data())
    {
        assert!((a - 2.0 * v).abs() < 1e-15 && (b - 2.0 * v / 3.0).abs() < 1e-15);
    }
}

#[test]
fn bad_shapes_are_errors_that_name_the_op_and_both_shapes() {
    let mut g = Graph::<f32>::new();
    let a = g.constant(Tensor::zeros(&[2, 3]));
    let b = g.constant(Tensor::zeros(&[4, 5]));
    let e = g.matmul(a, b).unwrap_err();
    assert_eq!(
        e,
        Error::TensorShape {
            op: "matmul",
            left: vec![2, 3],
            right: vec![4, 5]
        }
    );
    assert!(e.to_string().contains("[2, 3] and [4, 5]"), "{e}");
    assert!(matches!(
        g.add(a, b),
        Err(Error::TensorShape { op: "add", .. })
    ));
    assert!(matches!(
        g.backward_retained(a),
        Err(Error::TensorShape { .. })
    ));
    assert!(matches!(
        g.gather(a, &[0, 3]),
        Err(Error::IndexOutOfBounds {
            index: 3,
            bound: 3,
            ..
        })
    ));
    assert!(matches!(
        g.sum_axis(a, 2),
        Err(Error::InvalidParameter { name: "axis", .. })
    ));
    assert!(g.permute(a, &[0, 0]).is_err());
    assert!(g.reshape(a, &[5]).is_err());
    assert!(g.slice(a, 1, 2, 2).is_err());
    assert!(g.slice(a, 1, 1, 3).is_err());
    let img = g.constant(Tensor::zeros(&[1, 2, 4, 4]));
    let w = g.constant(Tensor::zeros(&[3, 3, 3, 3]));
    assert!(matches!(
        g.conv2d(img, w, None, Conv2dSpec::default()),
        Err(Error::TensorShape { .. })
    ));
    let big = g.constant(Tensor::zeros(&[3, 2, 5, 5]));
    assert!(g.conv2d(img, big, None, Conv2dSpec::default()).is_err());
    let w2 = g.constant(Tensor::zeros(&[3, 2, 3, 3]));
    assert!(g.conv2d(img, w2, None, Conv2dSpec::default()).is_ok());
    assert!(g
        .conv2d(img, w2, None, Conv2dSpec::default().stride(0))
        .is_err());
    assert!(g.dropout(a, 1.0, &mut Rng::seed_from_u64(0)).is_err());
    assert!(Tensor::<f32>::new(&[2, 2], vec![0.0; 3]).is_err());
}

#[test]
fn a_vjp_that_returns_nan_fails_the_gradient_check() {
    // `f64::max` keeps the non-NaN side: a check built on it alone would pass this op.
    let err = gradient_check(&[rand(&[2, 3], 43)], |g, v| {
        Ok(g.unary(
            v[0],
            |x| x * x,
            |x, _| if x > 0.0 { f64::NAN } else { 2.0 * x },
        ))
    })
    .unwrap_err();
    assert!(matches!(err, Error::NonFinite { row: 0, .. }), "{err}");
    assert!(err.to_string().contains("analytic gradient"), "{err}");
    // A forward pass that is NaN somewhere makes the finite differences NaN: also an error.
    let err = gradient_check(&[rand(&[4], 44)], |g, v| Ok(g.log(v[0]))).unwrap_err();
    assert!(matches!(err, Error::NonFinite { .. }), "{err}");
}

/// The forward values of the ops whose gradient checks would pass a forward and backward
/// that are wrong together, against the formulas written out entry by entry.
mod forward_values {
    use super::*;

    const TOL: f64 = 1e-12;

    fn value(x: Tensor<f64>, op: impl Fn(&mut Graph<f64>, Var) -> Result<Var>) -> Tensor<f64> {
        let mut g = Graph::new();
        let v = g.constant(x);
        let y = op(&mut g, v).unwrap();
        g.value(y).clone()
    }

    #[track_caller]
    fn assert_close(got: &Tensor<f64>, shape: &[usize], want: &[f64]) {
        assert_eq!(got.shape(), shape);
        for (i, (a, b)) in got.data().iter().zip(want).enumerate() {
            assert!(
                (a - b).abs() <= TOL * (1.0 + b.abs()),
                "entry {i}: {a} vs {b}"
            );
        }
    }

    #[test]
    fn softmax_and_log_softmax() {
        let x = rand(&[2, 3], 50).map(|v| 4.0 * v);
        let mut soft = Vec::new();
        let mut log_soft = Vec::new();
        for row in x.data().chunks(3) {
            let z: f64 = row.iter().map(|v| v.exp()).sum();
            soft.extend(row.iter().map(|v| v.exp() / z));
            log_soft.extend(row.iter().map(|v| v - z.ln()));
        }
        assert_close(&value(x.clone(), |g, v| Ok(g.softmax(v))), &[2, 3], &soft);
        assert_close(&value(x, |g, v| Ok(g.log_softmax(v))), &[2, 3], &log_soft);
    }

    #[test]
    fn pooling() {
        // One 4 x 4 channel with distinct values: windows 2 x 2, stride 2.
        let x = Tensor::new(
            &[1, 1, 4, 4],
            (0..16).map(|i| ((i * 7) % 16) as f64).collect(),
        )
        .unwrap();
        let at = |r: usize, c: usize| x.data()[r * 4 + c];
        let window = |r0: usize, c0: usize| {
            [
                at(r0, c0),
                at(r0, c0 + 1),
                at(r0 + 1, c0),
                at(r0 + 1, c0 + 1),
            ]
        };
        let corners = [(0, 0), (0, 2), (2, 0), (2, 2)];
        let max: Vec<f64> = corners
            .iter()
            .map(|&(r, c)| window(r, c).into_iter().fold(f64::MIN, f64::max))
            .collect();
        let avg: Vec<f64> = corners
            .iter()
            .map(|&(r, c)| window(r, c).iter().sum::<f64>() / 4.0)
            .collect();
        assert_close(
            &value(x.clone(), |g, v| g.max_pool2d(v, 2, 2)),
            &[1, 1, 2, 2],
            &max,
        );
        assert_close(&value(x, |g, v| g.avg_pool2d(v, 2, 2)), &[1, 1, 2, 2], &avg);
    }

    #[test]
    fn upsampling() {
        let x = Tensor::new(&[1, 1, 2, 3], vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0]).unwrap();
        let near: Vec<f64> = (0..4)
            .flat_map(|r| (0..6).map(move |c| (r / 2, c / 2)))
            .map(|(r, c)| x.data()[r * 3 + c])
            .collect();
        assert_close(
            &value(x.clone(), |g, v| g.upsample_nearest(v, 2)),
            &[1, 1, 4, 6],
            &near,
        );
        // align_corners = false: output pixel o samples input coordinate (o + ½)/s − ½,
        // clamped to the image, then interpolated linearly between its two neighbours.
        let s = 2.0;
        let coord =
            |o: usize, len: usize| ((o as f64 + 0.5) / s - 0.5).clamp(0.0, (len - 1) as f64);
        let lerp = |v: &dyn Fn(usize) -> f64, t: f64, len: usize| {
            let lo = t.floor() as usize;
            let hi = (lo + 1).min(len - 1);
            let w = t - lo as f64;
            (1.0 - w) * v(lo) + w * v(hi)
        };
        let mut bilinear = Vec::new();
        for r in 0..4 {
            for c in 0..6 {
                let row = |i: usize| lerp(&|j| x.data()[i * 3 + j], coord(c, 3), 3);
                bilinear.push(lerp(&row, coord(r, 2), 2));
            }
        }
        assert_close(
            &value(x, |g, v| g.upsample_bilinear(v, 2)),
            &[1, 1, 4, 6],
            &bilinear,
        );
    }

    #[test]
    fn batch_norm_in_training_uses_the_biased_batch_variance() {
        let x = rand(&[4, 2], 51);
        let (gamma, beta) = ([1.5, -0.5], [0.25, 2.0]);
        let eps = 1e-5;
        let mut want = vec![0.0; 8];
        for ch in 0..2 {
            let col: Vec<f64> = (0..4).map(|i| x.data()[i * 2 + ch]).collect();
            let mean = col.iter().sum::<f64>() / 4.0;
            let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 4.0;
            for i in 0..4 {
                want[i * 2 + ch] = gamma[ch] * (col[i] - mean) / (var + eps).sqrt() + beta[ch];
            }
        }
        let mut g = Graph::new();
        let v = g.constant(x);
        let gm = g.constant(Tensor::new(&[2], gamma.to_vec()).unwrap());
        let bt = g.constant(Tensor::new(&[2], beta.to_vec()).unwrap());
        let (y, _) = g.batch_norm(v, gm, bt, None, eps).unwrap();
        assert_close(g.value(y), &[4, 2], &want);
    }

    #[test]
    fn total_variation_and_gram() {
        let x = rand(&[1, 2, 3, 3], 52);
        let at = |ch: usize, r: usize, c: usize| x.data()[ch * 9 + r * 3 + c];
        for beta in [1.0, 2.0] {
            let mut tv = 0.0;
            for ch in 0..2 {
                for r in 0..2 {
                    for c in 0..2 {
                        let sq = (at(ch, r, c + 1) - at(ch, r, c)).powi(2)
                            + (at(ch, r + 1, c) - at(ch, r, c)).powi(2);
                        tv += if beta == 2.0 {
                            sq
                        } else {
                            (sq + 1e-8).powf(beta / 2.0)
                        };
                    }
                }
            }
            let got = value(x.clone(), |g, v| g.total_variation(v, beta));
            assert!(
                (got.item().unwrap() - tv).abs() < 1e-12,
                "β = {beta}: {got:?} vs {tv}"
            );
        }
        let mut gram = vec![0.0; 4];
        for a in 0..2 {
            for b in 0..2 {
                gram[a * 2 + b] = (0..9)
                    .map(|p| x.data()[a * 9 + p] * x.data()[b * 9 + p])
                    .sum();
            }
        }
        assert_close(&value(x, |g, v| g.gram(v)), &[1, 2, 2], &gram);
    }
}
