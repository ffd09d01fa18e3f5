//! Chapter 7: graphs and Laplacians against their definitions, the quadratic form, connected
//! components against zero eigenvalues, cuts, the Fiedler vector, ARI and NMI against
//! hand-computed tables, spectral clustering where k-means fails, and bad input.

mod common;

use proptest::prelude::*;
use unsupervised::datasets;
use unsupervised::eigen::Eigh;
use unsupervised::kmeans::KMeans;
use unsupervised::linalg::sparse::Duplicates;
use unsupervised::linalg::{knn_self, Csr, Exec, Matrix};
use unsupervised::metrics::{adjusted_rand_index, contingency, normalized_mutual_information};
use unsupervised::spectral::cliques::{clique_percolation, maximal_cliques};
use unsupervised::spectral::graph::{
    components, cut_quality, knn_graph, laplacian, similarity_graph, Graph, Laplacian, Weighting,
};
use unsupervised::spectral::mincut::min_cut;
use unsupervised::spectral::{fiedler, Solver, SpectralClustering};
use unsupervised::{Error, Rng};

fn random_points(n: usize, d: usize, seed: u64) -> Matrix<f64> {
    let mut rng = Rng::seed_from_u64(seed);
    Matrix::from_fn(n, d, |_, _| rng.normal())
}

fn dense_degrees(w: &Matrix<f64>) -> Vec<f64> {
    w.iter_rows().map(|r| r.iter().sum()).collect()
}

// ---------------------------------------------------------------- graphs

#[test]
fn knn_graphs_follow_their_definitions() {
    let x = random_points(60, 2, 1);
    let nb = knn_self(&x, 4, Exec::serial()).unwrap();
    let is_nb = |i: usize, j: usize| nb.indices_of(i).contains(&j);
    let sym = similarity_graph(&x, Graph::knn(4), Exec::serial())
        .unwrap()
        .to_dense();
    let mutual = similarity_graph(
        &x,
        Graph::MutualKnn {
            neighbors: 4,
            weighting: Weighting::Binary,
        },
        Exec::serial(),
    )
    .unwrap()
    .to_dense();
    let sigma = 0.7;
    let gauss = similarity_graph(
        &x,
        Graph::Knn {
            neighbors: 4,
            weighting: Weighting::Gaussian { sigma },
        },
        Exec::serial(),
    )
    .unwrap()
    .to_dense();
    for i in 0..60 {
        for j in 0..60 {
            let or = is_nb(i, j) || is_nb(j, i);
            let and = is_nb(i, j) && is_nb(j, i);
            assert_eq!(sym[(i, j)], f64::from(u8::from(or)), "({i}, {j})");
            assert_eq!(mutual[(i, j)], f64::from(u8::from(and)), "({i}, {j})");
            let d2: f64 = (0..2).map(|c| (x[(i, c)] - x[(j, c)]).powi(2)).sum();
            let expected = if or {
                (-d2 / (sigma * sigma)).exp()
            } else {
                0.0
            };
            assert!((gauss[(i, j)] - expected).abs() <= 4.0 * f64::EPSILON);
        }
    }
}

#[test]
fn full_epsilon_and_self_tuning_graphs_follow_their_definitions() {
    let x = random_points(30, 3, 2);
    let d2 = |i: usize, j: usize| -> f64 { (0..3).map(|c| (x[(i, c)] - x[(j, c)]).powi(2)).sum() };
    let full = similarity_graph(&x, Graph::Full { sigma: 1.5 }, Exec::serial())
        .unwrap()
        .to_dense();
    let eps = similarity_graph(&x, Graph::Epsilon { radius: 1.2 }, Exec::serial())
        .unwrap()
        .to_dense();
    let tuned = similarity_graph(
        &x,
        Graph::SelfTuning {
            neighbors: 5,
            scale: 3,
        },
        Exec::serial(),
    )
    .unwrap()
    .to_dense();
    let nb = knn_self(&x, 5, Exec::serial()).unwrap();
    let sigma: Vec<f64> = (0..30).map(|i| nb.sq_distances_of(i)[2].sqrt()).collect();
    for i in 0..30 {
        for j in 0..30 {
            let (f, e) = if i == j {
                (0.0, 0.0)
            } else {
                (
                    (-d2(i, j) / 2.25).exp(),
                    f64::from(u8::from(d2(i, j) <= 1.44)),
                )
            };
            assert!((full[(i, j)] - f).abs() <= 1e-12, "full ({i}, {j})");
            assert_eq!(eps[(i, j)], e, "epsilon ({i}, {j})");
            let joined = nb.indices_of(i).contains(&j) || nb.indices_of(j).contains(&i);
            let t = if joined {
                (-d2(i, j) / (sigma[i] * sigma[j])).exp()
            } else {
                0.0
            };
            assert!((tuned[(i, j)] - t).abs() <= 1e-12, "self-tuning ({i}, {j})");
        }
    }
}

// ---------------------------------------------------------------- Laplacians

#[test]
fn laplacians_match_their_definitions() {
    let x = random_points(40, 2, 14);
    let graph = Graph::Knn {
        neighbors: 3,
        weighting: Weighting::Gaussian { sigma: 1.0 },
    };
    let w = similarity_graph(&x, graph, Exec::serial()).unwrap();
    assert!(w.is_symmetric());
    let wd = w.to_dense();
    let d = dense_degrees(&wd);
    let l = laplacian(&w, Laplacian::Unnormalized).unwrap().to_dense();
    let sym = laplacian(&w, Laplacian::Symmetric).unwrap().to_dense();
    let rw = laplacian(&w, Laplacian::RandomWalk).unwrap().to_dense();
    for i in 0..40 {
        for j in 0..40 {
            let eye = f64::from(u8::from(i == j));
            assert!((l[(i, j)] - (eye * d[i] - wd[(i, j)])).abs() <= 1e-15);
            let s = eye - wd[(i, j)] / (d[i] * d[j]).sqrt();
            assert!((sym[(i, j)] - s).abs() <= 1e-15);
            assert!((rw[(i, j)] - (eye - wd[(i, j)] / d[i])).abs() <= 1e-15);
        }
    }
    // The constant vector is in L's null space and D^{1/2} 1 in L_sym's.
    let lone = laplacian(&w, Laplacian::Unnormalized)
        .unwrap()
        .matvec(&[1.0; 40])
        .unwrap();
    assert!(lone.iter().all(|v| v.abs() <= 1e-13));
    let root: Vec<f64> = d.iter().map(|v| v.sqrt()).collect();
    let lroot = laplacian(&w, Laplacian::Symmetric)
        .unwrap()
        .matvec(&root)
        .unwrap();
    assert!(lroot.iter().all(|v| v.abs() <= 1e-13));
    assert!(laplacian(
        &Csr::from_triplets(2, 3, &[(0, 1, 1.0)]).unwrap(),
        Laplacian::Symmetric
    )
    .is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// `xᵀ L x = ½ Σᵢⱼ w_ij (xᵢ - xⱼ)²`: the lecture's identity, so L is positive
    /// semi-definite and smooth vectors (equal on joined points) make it small.
    #[test]
    fn the_quadratic_form_sums_squared_differences_over_edges(n in 5usize..60, k in 1usize..4, seed in any::<u64>()) {
        let x = random_points(n, 2, seed);
        let w = similarity_graph(&x, Graph::Knn { neighbors: k, weighting: Weighting::Gaussian { sigma: 1.0 } }, Exec::serial()).unwrap();
        let l = laplacian(&w, Laplacian::Unnormalized).unwrap();
        let mut rng = Rng::seed_from_u64(seed ^ 7);
        let v: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let lv = l.matvec(&v).unwrap();
        let quad: f64 = v.iter().zip(&lv).map(|(a, b)| a * b).sum();
        let wd = w.to_dense();
        let mut edges = 0.0;
        for i in 0..n {
            for j in 0..n {
                edges += 0.5 * wd[(i, j)] * (v[i] - v[j]).powi(2);
            }
        }
        prop_assert!((quad - edges).abs() <= 1e-12 * edges.max(1.0), "{} vs {}", quad, edges);
        prop_assert!(quad >= -1e-12);
    }
}

#[test]
fn zero_eigenvalues_count_the_connected_components() {
    // Three far-apart groups with an 8-NN graph: three components.
    let mut x = random_points(60, 2, 5);
    for i in 0..60 {
        x[(i, 0)] += 100.0 * (i % 3) as f64;
    }
    let w = similarity_graph(&x, Graph::knn(8), Exec::serial()).unwrap();
    let parts = components(&w);
    assert_eq!(parts.count, 3);
    for i in 0..60 {
        assert_eq!(parts.labels[i], i % 3);
    }
    for kind in [Laplacian::Unnormalized, Laplacian::Symmetric] {
        let e = Eigh::new()
            .solve(&laplacian(&w, kind).unwrap().to_dense())
            .unwrap();
        let zeros = e.values.iter().filter(|v| v.abs() < 1e-10).count();
        assert_eq!(zeros, 3, "{kind:?}: {:?}", &e.values[..5]);
    }
    // An isolated vertex is a component of its own, with its own zero eigenvalue.
    let lonely = Csr::symmetric_from_triplets(3, &[(0, 1, 1.0)], Duplicates::Max).unwrap();
    assert_eq!(components(&lonely).count, 2);
    let e = Eigh::new()
        .solve(&laplacian(&lonely, Laplacian::Symmetric).unwrap().to_dense())
        .unwrap();
    assert_eq!(e.values.iter().filter(|v| v.abs() < 1e-12).count(), 2);
}

// ---------------------------------------------------------------- cuts and the Fiedler vector

/// Two triangles {0, 1, 2} and {3, 4, 5} with unit edges, joined by one edge 2–3 of weight ε.
fn two_triangles(eps: f64) -> Csr<f64> {
    let mut edges = vec![(0, 1, 1.0), (0, 2, 1.0), (1, 2, 1.0)];
    edges.extend([(3, 4, 1.0), (3, 5, 1.0), (4, 5, 1.0), (2, 3, eps)]);
    Csr::symmetric_from_triplets(6, &edges, Duplicates::Max).unwrap()
}

#[test]
fn cut_ratio_cut_and_normalized_cut_by_hand() {
    let w = two_triangles(0.5);
    let q = cut_quality(&w, &[0, 0, 0, 1, 1, 1]).unwrap();
    // cut = 0.5; |A| = |B| = 3; vol(A) = vol(B) = 6 + 0.5.
    assert!((q.cut - 0.5).abs() < 1e-15);
    assert!((q.ratio_cut - 0.5 * (0.5 / 3.0 + 0.5 / 3.0)).abs() < 1e-15);
    assert!((q.normalized_cut - 0.5 * (2.0 * 0.5 / 6.5)).abs() < 1e-15);
    // Cutting vertex 0 off alone costs 2 (its two triangle edges).
    let alone = cut_quality(&w, &[1, 0, 0, 0, 0, 0]).unwrap();
    assert!((alone.cut - 2.0).abs() < 1e-15);
    assert!((alone.ratio_cut - 0.5 * (2.0 / 1.0 + 2.0 / 5.0)).abs() < 1e-15);
    assert!(cut_quality(&w, &[0, 1]).is_err());
}

#[test]
fn the_fiedler_vector_splits_two_weakly_joined_cliques() {
    let f = fiedler(&two_triangles(0.01)).unwrap();
    assert!(f.value > 0.0 && f.value < 0.05, "λ₂ = {}", f.value);
    let a = f.labels[0];
    assert!(f.labels[..3].iter().all(|&l| l == a));
    assert!(f.labels[3..].iter().all(|&l| l != a));
    // Orthogonal to the constant vector, unit length.
    assert!(f.vector.iter().sum::<f64>().abs() < 1e-12);
    assert!((f.vector.iter().map(|v| v * v).sum::<f64>() - 1.0).abs() < 1e-12);
    // Disconnected: λ₂ = 0, a repeated eigenvalue whose eigenvectors a solver may return in
    // any basis; the vector orthogonal to 1 still splits the two components.
    let apart = fiedler(&two_triangles(0.0)).unwrap();
    assert!(apart.value.abs() < 1e-12);
    assert!(apart.vector.iter().sum::<f64>().abs() < 1e-12);
    assert!(apart.labels[..3].iter().all(|&l| l == apart.labels[0]));
    assert!(apart.labels[3..].iter().all(|&l| l != apart.labels[0]));
    // The smallest graph with a cut: one edge of weight w, L = [[w, -w], [-w, w]], λ₂ = 2w.
    let edge = Csr::from_triplets(2, 2, &[(0, 1, 0.5), (1, 0, 0.5)]).unwrap();
    let f = fiedler(&edge).unwrap();
    assert!((f.value - 1.0).abs() < 1e-12, "{}", f.value);
    assert_ne!(f.labels[0], f.labels[1]);
}

// ---------------------------------------------------------------- metrics

#[test]
fn ari_and_nmi_match_hand_computed_tables() {
    let a = [0, 0, 0, 1, 1, 1];
    let b = [0, 0, 1, 1, 2, 2];
    assert_eq!(
        contingency(&a, &b).unwrap(),
        vec![vec![2, 1, 0], vec![0, 1, 2]]
    );
    // Σ C(nᵢⱼ, 2) = 2, rows 2·C(3, 2) = 6, columns 3·C(2, 2) = 3, C(6, 2) = 15:
    // (2 - 6·3/15) / ((6 + 3)/2 - 6·3/15) = 0.8 / 3.3.
    let ari = adjusted_rand_index(&a, &b).unwrap();
    assert!((ari - 8.0 / 33.0).abs() < 1e-15, "{ari}");
    // I = (2/3) ln 2, H(a) = ln 2, H(b) = ln 3.
    let nmi = normalized_mutual_information(&a, &b).unwrap();
    let expected = 2.0 * (2.0 / 3.0) * 2f64.ln() / (2f64.ln() + 3f64.ln());
    assert!((nmi - expected).abs() < 1e-15, "{nmi}");
    // Renaming clusters changes nothing; disagreement everywhere is near 0 or below.
    assert!((adjusted_rand_index(&a, &[1, 1, 1, 0, 0, 0]).unwrap() - 1.0).abs() < 1e-15);
    assert!((normalized_mutual_information(&a, &[5, 5, 5, 2, 2, 2]).unwrap() - 1.0).abs() < 1e-15);
    assert!(adjusted_rand_index(&a, &[0, 1, 0, 1, 0, 1]).unwrap() < 0.0);
    assert!(matches!(
        adjusted_rand_index(&a, &[0, 1]),
        Err(Error::BadLength { .. })
    ));
}

// ---------------------------------------------------------------- clustering

#[test]
fn spectral_separates_two_moons_where_kmeans_cannot() {
    let d = datasets::two_moons(1000, 0.05, 0).unwrap();
    let truth = d.labels.unwrap();
    let fit = SpectralClustering::new(2).fit(&d.x).unwrap();
    let ari = adjusted_rand_index(&truth, &fit.labels).unwrap();
    assert!(ari >= 0.99, "spectral ARI {ari}");
    let km = KMeans::new(2).fit(&d.x).unwrap();
    let km_ari = adjusted_rand_index(&truth, &km.labels).unwrap();
    assert!(km_ari < 0.5, "k-means ARI {km_ari}");
    assert!(fit.eigenvalues.len() == 3 && fit.eigenvalues[0].abs() < 1e-8);
    // The cut between the found clusters is small against the graph's total weight.
    let total: f64 = fit.graph.row_sums().iter().sum::<f64>() / 2.0;
    assert!(fit.cut.cut < 0.01 * total, "{:?}", fit.cut);
}

#[test]
fn noisier_moons_with_a_connected_graph_still_separate() {
    let mut total = 0.0;
    for seed in 0..10 {
        let d = datasets::two_moons(1000, 0.08, seed).unwrap();
        let fit = SpectralClustering::new(2).seed(seed).fit(&d.x).unwrap();
        total += adjusted_rand_index(&d.labels.unwrap(), &fit.labels).unwrap();
    }
    assert!(total / 10.0 >= 0.9, "mean ARI {}", total / 10.0);
}

#[test]
fn circles_separate_and_all_three_laplacians_agree() {
    let d = datasets::circles(600, 0.03, 0.5, 1).unwrap();
    let truth = d.labels.unwrap();
    for kind in [
        Laplacian::Unnormalized,
        Laplacian::Symmetric,
        Laplacian::RandomWalk,
    ] {
        for solver in [Solver::Dense, Solver::Lanczos] {
            let fit = SpectralClustering::new(2)
                .laplacian(kind)
                .solver(solver)
                .fit(&d.x)
                .unwrap();
            let ari = adjusted_rand_index(&truth, &fit.labels).unwrap();
            assert!(ari >= 0.99, "{kind:?} {solver:?}: ARI {ari}");
        }
    }
}

#[test]
fn lanczos_and_dense_give_the_same_spectrum() {
    let d = datasets::two_moons(400, 0.08, 3).unwrap();
    let dense = SpectralClustering::new(2)
        .n_eigenvalues(6)
        .solver(Solver::Dense)
        .fit(&d.x)
        .unwrap();
    let sparse = SpectralClustering::new(2)
        .n_eigenvalues(6)
        .solver(Solver::Lanczos)
        .fit(&d.x)
        .unwrap();
    assert_eq!(dense.eigenvalues.len(), 6);
    assert_eq!(sparse.eigenvalues.len(), 6);
    for (a, b) in dense.eigenvalues.iter().zip(&sparse.eigenvalues) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
    assert_eq!(
        adjusted_rand_index(&dense.labels, &sparse.labels).unwrap(),
        1.0
    );
    // Three far-apart blobs: three components, so three zero eigenvalues come from the
    // components and Lanczos deflates them and finds the other three.
    let blobs = datasets::blobs(300, 2, 3, 0.3, 5).unwrap();
    let [dense, sparse] = [Solver::Dense, Solver::Lanczos].map(|solver| {
        SpectralClustering::new(3)
            .n_eigenvalues(6)
            .solver(solver)
            .fit(&blobs.x)
            .unwrap()
    });
    assert_eq!(dense.components, 3);
    assert_eq!((dense.eigenvalues.len(), sparse.eigenvalues.len()), (6, 6));
    for (a, b) in dense.eigenvalues.iter().zip(&sparse.eigenvalues) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
    // Ng–Jordan–Weiss: every row k-means sees has unit length.
    for i in 0..sparse.embedding.rows() {
        let norm: f64 = sparse.embedding.row(i).iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-12, "row {i}: {norm}");
    }
}

// ---------------------------------------------------------------- bad input

#[test]
fn bad_input_gets_a_clear_error() {
    let x = random_points(20, 2, 3);
    let msg = |r: Result<_, Error>| {
        r.map(|_: unsupervised::spectral::FittedSpectralClustering| ())
            .unwrap_err()
            .to_string()
    };
    assert!(msg(SpectralClustering::new(0).fit(&x)).contains("n_clusters = 0"));
    assert!(msg(SpectralClustering::new(21).fit(&x)).contains("n_clusters = 21"));
    let e = msg(SpectralClustering::new(2).graph(Graph::knn(20)).fit(&x));
    assert!(e.contains("n_neighbors = 20"), "{e}");
    let e = msg(SpectralClustering::new(2)
        .graph(Graph::Full { sigma: 0.0 })
        .fit(&x));
    assert!(e.contains("sigma = 0"), "{e}");
    let e = msg(SpectralClustering::new(2)
        .graph(Graph::Epsilon { radius: -1.0 })
        .fit(&x));
    assert!(e.contains("radius = -1"), "{e}");
    let mut nan = x.clone();
    nan[(3, 1)] = f64::NAN;
    assert!(matches!(
        SpectralClustering::new(2).fit(&nan),
        Err(Error::NonFinite {
            row: 3,
            column: 1,
            ..
        })
    ));
    // Three far-apart groups and k = 2: the graph has more components than clusters.
    let mut far = random_points(30, 2, 4);
    for i in 0..30 {
        far[(i, 0)] += 100.0 * (i % 3) as f64;
    }
    let e = msg(SpectralClustering::new(2).graph(Graph::knn(3)).fit(&far));
    assert!(e.contains("3 connected components"), "{e}");
    // With k = 3 the components are the clusters.
    let fit = SpectralClustering::new(3)
        .graph(Graph::knn(3))
        .fit(&far)
        .unwrap();
    assert_eq!(fit.components, 3);
    let truth: Vec<usize> = (0..30).map(|i| i % 3).collect();
    assert_eq!(adjusted_rand_index(&truth, &fit.labels).unwrap(), 1.0);
}

#[test]
fn duplicate_points_are_joined_with_full_weight() {
    // Every point twice: coincident points get weight 1 in every graph, even self-tuning
    // when a point's scale neighbour is its own copy (σ = 0).
    let base = random_points(25, 2, 8);
    let x = Matrix::from_fn(50, 2, |i, j| base[(i / 2, j)]);
    let g = Graph::SelfTuning {
        neighbors: 4,
        scale: 1,
    };
    let w = similarity_graph(&x, g, Exec::serial()).unwrap();
    assert!(w.to_dense().as_slice().iter().all(|v| v.is_finite()));
    assert_eq!(w.to_dense()[(0, 1)], 1.0);
    let nb = knn_self(&x, 4, Exec::serial()).unwrap();
    let wk = knn_graph(&nb, Weighting::Gaussian { sigma: 1.0 }).unwrap();
    assert_eq!(wk.to_dense()[(2, 3)], 1.0);
    // σ = 0 everywhere cuts every edge between distinct points: 25 components, reported.
    let e = SpectralClustering::new(2)
        .graph(g)
        .fit(&x)
        .unwrap_err()
        .to_string();
    assert!(e.contains("25 connected components"), "{e}");
    let wider = Graph::SelfTuning {
        neighbors: 6,
        scale: 4,
    };
    assert!(SpectralClustering::new(2).graph(wider).fit(&x).is_ok());
}

#[test]
fn spectral_clustering_passes_the_estimator_battery() {
    common::check_estimator(common::Estimator {
        name: "SpectralClustering",
        count: 3,
        fit: &|x: &Matrix<f64>, k: usize, threads: usize| -> unsupervised::Result<Vec<f64>> {
            let fit = SpectralClustering::new(k).seed(5).threads(threads).fit(x)?;
            Ok(fit
                .labels
                .iter()
                .map(|&l| l as f64)
                .chain(fit.eigenvalues)
                .collect())
        },
    });
}

// ---------------------------------------------------------------- the exact minimum cut

/// A random weighted graph on n vertices: each pair joined with probability 1/2, weights
/// uniform in (0, 1].
fn random_graph(n: usize, rng: &mut Rng) -> Csr<f64> {
    let mut edges = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            if rng.next_f64() < 0.5 {
                edges.push((i, j, 1.0 - rng.next_f64()));
            }
        }
    }
    Csr::symmetric_from_triplets(n, &edges, Duplicates::Sum).unwrap()
}

/// The least cut over all 2ⁿ⁻¹ − 1 splits into two non-empty sides (vertex 0 on side 0).
fn brute_force_min_cut(w: &Csr<f64>) -> f64 {
    let n = w.rows();
    (1..1usize << (n - 1))
        .map(|mask| {
            let labels: Vec<usize> = (0..n).map(|i| (mask << 1 >> i) & 1).collect();
            cut_quality(w, &labels).unwrap().cut
        })
        .fold(f64::INFINITY, f64::min)
}

/// Stoer–Wagner's cut equals the least of all 2ⁿ⁻¹ − 1 cuts on 300 random graphs of 2 to 11
/// vertices (many of them disconnected), and its sides have exactly that cut.
#[test]
fn min_cut_equals_brute_force_on_small_random_graphs() {
    let mut rng = Rng::seed_from_u64(7);
    for trial in 0..300 {
        let n = 2 + trial % 10;
        let w = random_graph(n, &mut rng);
        let cut = min_cut(&w).unwrap();
        let truth = brute_force_min_cut(&w);
        let total: f64 = w.row_sums().iter().sum();
        let tol = 64.0 * f64::EPSILON * total.max(1.0);
        assert!(
            (cut.value - truth).abs() <= tol,
            "trial {trial}, n = {n}: Stoer–Wagner {} against brute force {truth}",
            cut.value
        );
        let sides = cut_quality(&w, &cut.labels).unwrap().cut;
        assert!((sides - cut.value).abs() <= tol);
        assert!((1..=n / 2).contains(&cut.smaller_side()));
    }
}

/// A graph in two components has minimum cut 0, and its sides are the components.
#[test]
fn min_cut_of_a_disconnected_graph_is_zero_along_a_component() {
    let edges = [
        (0, 1, 2.0),
        (1, 2, 3.0),
        (3, 4, 1.0),
        (4, 5, 1.0),
        (3, 5, 5.0),
    ];
    let w = Csr::symmetric_from_triplets(6, &edges, Duplicates::Sum).unwrap();
    let cut = min_cut(&w).unwrap();
    assert_eq!(cut.value, 0.0);
    let l = &cut.labels;
    assert!(l[0] == l[1] && l[1] == l[2] && l[3] == l[4] && l[4] == l[5] && l[0] != l[3]);
}

/// The tour's two moons (300 points, seed 3) under the Gaussian 10-NN graph.
fn tour_moons_graph(noise: f64, sigma: f64) -> (Csr<f64>, Vec<usize>, Graph, Matrix<f64>) {
    let d = datasets::two_moons(300, noise, 3).unwrap();
    let graph = Graph::Knn {
        neighbors: 10,
        weighting: Weighting::Gaussian { sigma },
    };
    let w = similarity_graph(&d.x, graph, Exec::default()).unwrap();
    (w, d.labels.unwrap(), graph, d.x)
}

/// The book's numbers (chapter 7, "Minimum cut") and the lecture's claim, exactly: on the
/// tour's noisier moons (noise 0.1, σ = 0.1) the minimum cut, 0.064, cuts off one point,
/// the most weakly joined; the spectral split between the moons cuts 0.296 but has
/// RatioCut and Ncut far below the lone point's (0.0020 against 0.032, 0.00058 against
/// 0.50), and finds the moons.
#[test]
fn the_books_minimum_cut_cuts_off_one_point_and_spectral_finds_the_moons() {
    let (w, truth, graph, x) = tour_moons_graph(0.1, 0.1);
    let cut = min_cut(&w).unwrap();
    let weakest = w.row_sums().into_iter().fold(f64::INFINITY, f64::min);
    assert_eq!(cut.smaller_side(), 1);
    assert_eq!(cut.value, weakest);
    assert!((cut.value - 0.064).abs() < 5e-4, "min cut {}", cut.value);
    let lone = cut_quality(&w, &cut.labels).unwrap();
    let sp = SpectralClustering::new(2).graph(graph).fit(&x).unwrap();
    assert_eq!(adjusted_rand_index(&truth, &sp.labels).unwrap(), 1.0);
    assert!(
        (sp.cut.cut - 0.296).abs() < 5e-4,
        "spectral cut {}",
        sp.cut.cut
    );
    assert!((lone.ratio_cut - 0.032).abs() < 5e-4 && (lone.normalized_cut - 0.50).abs() < 5e-3);
    assert!((sp.cut.ratio_cut - 0.0020).abs() < 5e-5);
    assert!((sp.cut.normalized_cut - 0.00058).abs() < 5e-6);
}

/// The other side of the claim: with less noise and wide kernels (noise 0.08, σ = 1) the
/// moons touch only through a thin bridge, and the minimum cut (7.40) separates them
/// exactly, more cheaply than the lone weakest vertex (9.4) and than the spectral split
/// (30.5, which misses the moons here).
#[test]
fn the_minimum_cut_finds_the_moons_when_the_bridge_is_thin() {
    let (w, truth, graph, x) = tour_moons_graph(0.08, 1.0);
    let cut = min_cut(&w).unwrap();
    assert_eq!(adjusted_rand_index(&truth, &cut.labels).unwrap(), 1.0);
    let weakest = w.row_sums().into_iter().fold(f64::INFINITY, f64::min);
    assert!((cut.value - 7.40).abs() < 5e-3 && (weakest - 9.4).abs() < 0.05);
    let sp = SpectralClustering::new(2).graph(graph).fit(&x).unwrap();
    assert!(
        (sp.cut.cut - 30.5).abs() < 0.05,
        "spectral cut {}",
        sp.cut.cut
    );
    assert!(adjusted_rand_index(&truth, &sp.labels).unwrap() < 0.6);
}

#[test]
fn min_cut_refuses_a_graph_it_cannot_cut() {
    let one = Csr::symmetric_from_triplets(1, &[(0, 0, 1.0)], Duplicates::Sum).unwrap();
    let negative = Csr::symmetric_from_triplets(3, &[(0, 1, -1.0)], Duplicates::Sum).unwrap();
    let directed = Csr::from_triplets(3, 3, &[(0, 1, 1.0)]).unwrap();
    for (w, words) in [
        (one, "at least 2 vertices"),
        (negative, "w[0][1] = -1"),
        (directed, "not symmetric"),
    ] {
        let err = min_cut(&w).unwrap_err().to_string();
        assert!(err.contains(words), "{err}");
    }
}

// ---------------------------------------------------------------- cliques

/// An unweighted random graph: each pair joined with probability `p`.
fn random_unweighted(n: usize, p: f64, rng: &mut Rng) -> Csr<f64> {
    let mut edges = vec![];
    for i in 0..n {
        for j in i + 1..n {
            if rng.next_f64() < p {
                edges.push((i, j, 1.0));
            }
        }
    }
    // A lone vertex still needs a row: a zero self-loop is ignored by the clique code.
    edges.extend((0..n).map(|i| (i, i, 0.0)));
    Csr::symmetric_from_triplets(n, &edges, Duplicates::Sum).unwrap()
}

fn joined(w: &Csr<f64>, i: usize, j: usize) -> bool {
    let (cols, vals) = w.row(i);
    cols.iter().zip(vals).any(|(&c, &v)| c == j && v != 0.0)
}

/// Every subset of the vertices as a bit mask, tested for being a clique.
fn subsets_that_are_cliques(w: &Csr<f64>) -> Vec<usize> {
    let n = w.rows();
    (1usize..1 << n)
        .filter(|&m| {
            (0..n)
                .all(|i| m >> i & 1 == 0 || (i + 1..n).all(|j| m >> j & 1 == 0 || joined(w, i, j)))
        })
        .collect()
}

fn members(mask: usize, n: usize) -> Vec<usize> {
    (0..n).filter(|&i| mask >> i & 1 == 1).collect()
}

/// Bron–Kerbosch lists exactly the cliques no vertex extends, on 200 random graphs of up
/// to 11 vertices, sparse and dense, found by testing all 2ⁿ subsets.
#[test]
fn maximal_cliques_equal_brute_force_on_small_random_graphs() {
    let mut rng = Rng::seed_from_u64(11);
    for trial in 0..200 {
        let n = 1 + trial % 11;
        let p = [0.2, 0.5, 0.8][trial % 3];
        let w = random_unweighted(n, p, &mut rng);
        let cliques = subsets_that_are_cliques(&w);
        let mut expected: Vec<Vec<usize>> = cliques
            .iter()
            .filter(|&&m| !cliques.iter().any(|&o| o != m && o & m == m))
            .map(|&m| members(m, n))
            .collect();
        expected.sort();
        assert_eq!(
            maximal_cliques(&w).unwrap(),
            expected,
            "trial {trial}, n = {n}, p = {p}"
        );
    }
}

/// Clique percolation equals its definition: all k-cliques by brute force, joined when they
/// share k − 1 vertices, communities the unions of the joined groups; k = 2, 3, 4.
#[test]
fn clique_percolation_equals_its_definition_on_small_random_graphs() {
    let mut rng = Rng::seed_from_u64(12);
    for trial in 0..150 {
        let n = 3 + trial % 9;
        let w = random_unweighted(n, [0.3, 0.5, 0.7][trial % 3], &mut rng);
        for k in 2..=4 {
            let k_cliques: Vec<usize> = subsets_that_are_cliques(&w)
                .into_iter()
                .filter(|m| m.count_ones() as usize == k)
                .collect();
            let mut group: Vec<usize> = (0..k_cliques.len()).collect();
            let find = |g: &mut Vec<usize>, mut a: usize| {
                while g[a] != a {
                    a = g[a];
                }
                a
            };
            for a in 0..k_cliques.len() {
                for b in a + 1..k_cliques.len() {
                    if (k_cliques[a] & k_cliques[b]).count_ones() as usize == k - 1 {
                        let (ra, rb) = (find(&mut group, a), find(&mut group, b));
                        group[ra.max(rb)] = ra.min(rb);
                    }
                }
            }
            let mut unions = std::collections::BTreeMap::<usize, usize>::new();
            for (a, &m) in k_cliques.iter().enumerate() {
                *unions.entry(find(&mut group, a)).or_default() |= m;
            }
            let mut expected: Vec<Vec<usize>> = unions.values().map(|&m| members(m, n)).collect();
            expected.sort();
            let found = clique_percolation(&w, k).unwrap();
            assert_eq!(found.members, expected, "trial {trial}, n = {n}, k = {k}");
            for (v, list) in found.of_vertex.iter().enumerate() {
                let holding = expected.iter().filter(|m| m.contains(&v)).count();
                assert_eq!(list.len(), holding);
            }
        }
    }
}

/// The lecture's figure in small: two triangles sharing one vertex are two 3-clique
/// communities, and the shared vertex belongs to both; k = 2 merges them into one
/// component.
#[test]
fn clique_communities_overlap_at_a_shared_vertex() {
    let edges = [
        (0, 1, 1.0),
        (1, 2, 1.0),
        (0, 2, 1.0),
        (2, 3, 1.0),
        (3, 4, 1.0),
        (2, 4, 1.0),
    ];
    let w = Csr::symmetric_from_triplets(5, &edges, Duplicates::Sum).unwrap();
    let three = clique_percolation(&w, 3).unwrap();
    assert_eq!(three.members, vec![vec![0, 1, 2], vec![2, 3, 4]]);
    assert_eq!(three.of_vertex[2], vec![0, 1]);
    assert_eq!(three.overlapping(), 1);
    assert_eq!(
        clique_percolation(&w, 2).unwrap().members,
        vec![vec![0, 1, 2, 3, 4]]
    );
    assert!(clique_percolation(&w, 1)
        .unwrap_err()
        .to_string()
        .contains("k"));
    let directed = Csr::from_triplets(3, 3, &[(0, 1, 1.0)]).unwrap();
    assert!(maximal_cliques(&directed).is_err());
}
