//! Chapter 5: every linkage against its definition computed from the clusters' members,
//! SciPy's `linkage` rows on USArrests, the dendrogram's invariants (monotone heights for
//! the reducible linkages, inversions for centroid, ultrametric cophenetic distances), cuts,
//! and bad input.

mod common;

use common::sq_dist;

use proptest::prelude::*;
use unsupervised::datasets;
use unsupervised::hierarchical::{
    cophenetic_correlation, linkage, linkage_in_place, Condensed, Dendrogram, Linkage, Metric,
};
use unsupervised::metrics::adjusted_rand_index;
use unsupervised::{Error, Matrix, Rng};

fn random_points(n: usize, d: usize, seed: u64) -> Matrix<f64> {
    let mut rng = Rng::seed_from_u64(seed);
    Matrix::from_fn(n, d, |_, _| rng.normal())
}

fn usarrests_standardized() -> Matrix<f64> {
    datasets::usarrests().unwrap().x.standardize().unwrap().0
}

fn dist(x: &Matrix<f64>, i: usize, j: usize) -> f64 {
    sq_dist(x, i, j).sqrt()
}

fn centroid(x: &Matrix<f64>, members: &[usize]) -> Vec<f64> {
    (0..x.cols())
        .map(|c| members.iter().map(|&i| x[(i, c)]).sum::<f64>() / members.len() as f64)
        .collect()
}

/// A cluster as the lecture's definitions see it: its members, the history of its merges
/// (weighted linkage averages over it), and its median centre (the midpoint of the two
/// centres it was fused from, whatever their sizes).
struct Cluster {
    members: Vec<usize>,
    tree: Tree,
    centre: Vec<f64>,
}

enum Tree {
    Leaf(usize),
    Fused(Box<Tree>, Box<Tree>),
}

/// WPGMA from its recursion: the dissimilarity to a fused cluster is the plain mean of the
/// dissimilarities to its two halves, whatever their sizes.
fn weighted(x: &Matrix<f64>, p: &Tree, q: &Tree) -> f64 {
    match (p, q) {
        (Tree::Fused(a, b), _) => 0.5 * (weighted(x, a, q) + weighted(x, b, q)),
        (_, Tree::Fused(a, b)) => 0.5 * (weighted(x, p, a) + weighted(x, p, b)),
        (Tree::Leaf(i), Tree::Leaf(j)) => dist(x, *i, *j),
    }
}

fn euclidean(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(s, t)| (s - t) * (s - t))
        .sum::<f64>()
        .sqrt()
}

/// The lecture's algorithm, literally: recompute every inter-cluster dissimilarity from the
/// clusters each time and fuse the least dissimilar pair. No Lance–Williams update anywhere:
/// O(n⁴) and the oracle of all seven linkages.
fn by_definition(x: &Matrix<f64>, method: Linkage) -> Vec<f64> {
    let mut clusters: Vec<Cluster> = (0..x.rows())
        .map(|i| Cluster {
            members: vec![i],
            tree: Tree::Leaf(i),
            centre: x.row(i).to_vec(),
        })
        .collect();
    let mut heights = Vec::new();
    while clusters.len() > 1 {
        let mut best = (f64::INFINITY, 0, 0);
        for a in 0..clusters.len() {
            for b in a + 1..clusters.len() {
                let (p, q) = (&clusters[a].members, &clusters[b].members);
                let pairs = p.iter().flat_map(|&i| q.iter().map(move |&j| (i, j)));
                let ds: Vec<f64> = pairs.map(|(i, j)| dist(x, i, j)).collect();
                let between = euclidean(&centroid(x, p), &centroid(x, q));
                let v = match method {
                    Linkage::Single => ds.iter().copied().fold(f64::INFINITY, f64::min),
                    Linkage::Complete => ds.iter().copied().fold(0.0, f64::max),
                    Linkage::Average => ds.iter().sum::<f64>() / ds.len() as f64,
                    Linkage::Weighted => weighted(x, &clusters[a].tree, &clusters[b].tree),
                    Linkage::Centroid => between,
                    Linkage::Median => euclidean(&clusters[a].centre, &clusters[b].centre),
                    // Ward's distance: sqrt(2 · the rise in the within-cluster sum of squares).
                    Linkage::Ward => {
                        let (np, nq) = (p.len() as f64, q.len() as f64);
                        (2.0 * np * nq / (np + nq)).sqrt() * between
                    }
                };
                if v < best.0 {
                    best = (v, a, b);
                }
            }
        }
        let (h, a, b) = best;
        let q = clusters.remove(b);
        let p = clusters.remove(a);
        clusters.insert(
            a,
            Cluster {
                members: [p.members, q.members].concat(),
                centre: p
                    .centre
                    .iter()
                    .zip(&q.centre)
                    .map(|(s, t)| 0.5 * (s + t))
                    .collect(),
                tree: Tree::Fused(Box::new(p.tree), Box::new(q.tree)),
            },
        );
        heights.push(h);
    }
    heights
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Lance–Williams updates (in both the copying and the in-place fusion) reproduce each
    /// linkage's definition.
    #[test]
    fn lance_williams_matches_the_definitions(n in 2usize..25, seed in any::<u64>()) {
        let x = random_points(n, 3, seed);
        let d = Condensed::from_points(&x, Metric::Euclidean).unwrap();
        for method in Linkage::ALL {
            let mut truth = by_definition(&x, method);
            // Centroid and median invert, so fusion order can differ from sorted order:
            // compare as sets.
            truth.sort_by(f64::total_cmp);
            for tree in [linkage(&d, method).unwrap(), linkage_in_place(d.clone(), method).unwrap()] {
                let mut ours = tree.heights();
                ours.sort_by(f64::total_cmp);
                for (a, b) in ours.iter().zip(&truth) {
                    prop_assert!((a - b).abs() <= 1e-12 * b.max(1.0), "{:?}: {} vs {}", method, a, b);
                }
            }
        }
    }

    /// Reducible linkages never invert, and their cophenetic distances are an ultrametric.
    #[test]
    fn reducible_linkages_give_monotone_ultrametric_trees(n in 2usize..40, seed in any::<u64>()) {
        let x = random_points(n, 2, seed);
        let d = Condensed::from_points(&x, Metric::Euclidean).unwrap();
        for method in [Linkage::Single, Linkage::Complete, Linkage::Average, Linkage::Weighted, Linkage::Ward] {
            let tree = linkage(&d, method).unwrap();
            let h = tree.heights();
            prop_assert!(h.windows(2).all(|w| w[0] <= w[1]), "{:?}", method);
            prop_assert!(tree.inversions().is_empty());
            let c = tree.cophenetic();
            for i in 0..n {
                for j in 0..n {
                    for k in 0..n {
                        prop_assert!(c.get(i, j) <= c.get(i, k).max(c.get(k, j)) + 1e-12);
                    }
                }
            }
        }
    }
}

/// SciPy 1.17.1, `linkage(X, method)` on USArrests standardised with `ddof = 1`: the first
/// two and the last two rows (clusters, height, size).
#[test]
fn usarrests_matches_scipy_row_by_row() {
    let x = usarrests_standardized();
    let d = Condensed::from_points(&x, Metric::Euclidean).unwrap();
    let first = [
        [14.0, 28.0, 0.20585385715734808, 2.0],
        [12.0, 31.0, 0.35021875660162305, 2.0],
    ];
    let scipy_last: [(Linkage, [[f64; 4]; 2]); 7] = [
        (
            Linkage::Complete,
            [
                [92.0, 95.0, 4.420073577146935, 19.0],
                [96.0, 97.0, 6.0766415626545776, 50.0],
            ],
        ),
        (
            Linkage::Single,
            [
                [8.0, 96.0, 1.2965797601882483, 49.0],
                [1.0, 97.0, 2.0580888553942644, 50.0],
            ],
        ),
        (
            Linkage::Average,
            [
                [1.0, 96.0, 2.7347788428209374, 20.0],
                [95.0, 97.0, 3.3223616212712654, 50.0],
            ],
        ),
        (
            Linkage::Ward,
            [
                [91.0, 95.0, 7.1881893464045845, 31.0],
                [96.0, 97.0, 13.516242350693956, 50.0],
            ],
        ),
        (
            Linkage::Weighted,
            [
                [80.0, 96.0, 3.065700885775313, 37.0],
                [95.0, 97.0, 4.190860542556674, 50.0],
            ],
        ),
        (
            Linkage::Median,
            [
                [1.0, 96.0, 2.6252412929383153, 43.0],
                [76.0, 97.0, 4.165586752951962, 50.0],
            ],
        ),
        (
            Linkage::Centroid,
            [
                [1.0, 96.0, 2.3354529217932343, 20.0],
                [95.0, 97.0, 2.7859408869294446, 50.0],
            ],
        ),
    ];
    for (method, last) in scipy_last {
        let tree = linkage(&d, method).unwrap();
        let rows: Vec<[f64; 4]> = tree
            .merges
            .iter()
            .map(|m| [m.a as f64, m.b as f64, m.height, m.size as f64])
            .collect();
        for (ours, theirs) in [
            (rows[0], first[0]),
            (rows[1], first[1]),
            (rows[47], last[0]),
            (rows[48], last[1]),
        ] {
            assert_eq!(ours[0], theirs[0], "{method:?}");
            assert_eq!(ours[1], theirs[1], "{method:?}");
            assert!(
                (ours[2] - theirs[2]).abs() <= 8.0 * f64::EPSILON * theirs[2],
                "{method:?}: {} vs {}",
                ours[2],
                theirs[2]
            );
            assert_eq!(ours[3], theirs[3], "{method:?}");
        }
    }
    // SciPy's cophenetic correlation for complete linkage, and its four clusters
    // (`fcluster(Z, 4, 'maxclust')`), up to renaming.
    let tree = linkage(&d, Linkage::Complete).unwrap();
    let ccc = cophenetic_correlation(&d, &tree).unwrap();
    assert!((ccc - 0.6979437399968692).abs() < 1e-12, "{ccc}");
    let scipy_k4 = [
        4, 4, 3, 2, 3, 3, 2, 2, 3, 4, 2, 1, 3, 2, 1, 2, 2, 4, 1, 3, 2, 3, 2, 4, 2, 1, 1, 3, 1, 2,
        3, 3, 4, 1, 2, 2, 2, 2, 2, 4, 1, 4, 3, 2, 1, 2, 2, 1, 2, 2,
    ];
    let ours = tree.cut_k(4).unwrap();
    assert_eq!(adjusted_rand_index(&scipy_k4, &ours).unwrap(), 1.0);
}

#[test]
fn linkage_in_place_gives_the_same_tree_as_linkage() {
    let x = random_points(300, 4, 21);
    let d = Condensed::from_points(&x, Metric::Euclidean).unwrap();
    for method in Linkage::ALL {
        assert_eq!(
            linkage(&d, method).unwrap(),
            linkage_in_place(d.clone(), method).unwrap(),
            "{method:?}"
        );
    }
}

#[test]
fn centroid_linkage_inverts_and_says_so() {
    // An equilateral triangle: the two nearest points fuse at 1, and their midpoint is only
    // √3/2 from the third point, so the next fusion is lower than the first.
    let x = Matrix::new(
        3,
        2,
        vec![0.0, 0.0, 1.0, 0.0, 0.5, 3f64.sqrt() / 2.0 + 1e-9],
    )
    .unwrap();
    let d = Condensed::from_points(&x, Metric::Euclidean).unwrap();
    let tree = linkage(&d, Linkage::Centroid).unwrap();
    let h = tree.heights();
    assert!(
        (h[0] - 1.0).abs() < 1e-12 && (h[1] - 0.75f64.sqrt()).abs() < 1e-8,
        "{h:?}"
    );
    assert_eq!(tree.inversions(), vec![1]);
    assert!(linkage(&d, Linkage::Complete)
        .unwrap()
        .inversions()
        .is_empty());
}

#[test]
fn cuts_give_the_requested_clusters() {
    let x = random_points(30, 2, 9);
    let d = Condensed::from_points(&x, Metric::Euclidean).unwrap();
    let tree = linkage(&d, Linkage::Average).unwrap();
    assert_eq!(tree.cut_k(1).unwrap(), vec![0; 30]);
    assert_eq!(tree.cut_k(30).unwrap(), (0..30).collect::<Vec<_>>());
    for k in 1..=30 {
        let labels = tree.cut_k(k).unwrap();
        assert_eq!(labels.iter().max().unwrap() + 1, k);
        // Cutting just above the (n-k)-th fusion height gives the same clusters.
        if k < 30 {
            let h = tree.merges[30 - k - 1].height;
            assert_eq!(tree.cut_height(h), labels, "k = {k}");
        }
    }
    assert!(tree.cut_k(0).is_err() && tree.cut_k(31).is_err());
    // Sizes add up, and the root holds everyone.
    let root = tree.merges.last().unwrap();
    assert_eq!(root.size, 30);
    let order = tree.leaf_order();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..30).collect::<Vec<_>>());
}

#[test]
fn metrics_and_precomputed_matrices() {
    let x = Matrix::new(3, 2, vec![1.0, 0.0, 0.0, 2.0, 3.0, 3.0]).unwrap();
    let get = |m: Metric| Condensed::from_points(&x, m).unwrap().values().to_vec();
    assert_eq!(get(Metric::SqEuclidean), vec![5.0, 13.0, 10.0]);
    assert_eq!(get(Metric::Manhattan), vec![3.0, 5.0, 4.0]);
    let cos = get(Metric::Cosine);
    assert!((cos[0] - 1.0).abs() < 1e-15 && (cos[1] - (1.0 - 3.0 / 18f64.sqrt())).abs() < 1e-15);
    // Correlation distance: 1 - Pearson correlation of the rows; a constant row has none.
    let rows = Matrix::new(3, 3, vec![1.0, 2.0, 3.0, 2.0, 4.0, 6.0, 3.0, 2.0, 1.0]).unwrap();
    let corr = Condensed::from_points(&rows, Metric::Correlation).unwrap();
    assert!(corr.get(0, 1).abs() < 1e-15 && (corr.get(0, 2) - 2.0).abs() < 1e-15);
    let e = Condensed::from_points(&x, Metric::Correlation)
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 2"), "{e}");
    let square = Matrix::new(3, 3, vec![0.0, 1.0, 4.0, 1.0, 0.0, 2.0, 4.0, 2.0, 0.0]).unwrap();
    let d = Condensed::from_square(&square).unwrap();
    assert_eq!(d.values(), &[1.0, 4.0, 2.0]);
    let tree: Dendrogram = linkage(&d, Linkage::Single).unwrap();
    assert_eq!(tree.heights(), vec![1.0, 2.0]);
}

#[test]
fn bad_input_gets_a_clear_error() {
    let one = Matrix::new(1, 2, vec![1.0, 2.0]).unwrap();
    let d = Condensed::from_points(&one, Metric::Euclidean).unwrap();
    assert!(linkage(&d, Linkage::Complete)
        .unwrap_err()
        .to_string()
        .contains("at least two points, not 1"));
    assert!(matches!(
        Condensed::from_points(&Matrix::zeros(0, 2), Metric::Euclidean),
        Err(Error::Empty { .. })
    ));
    let mut nan = random_points(5, 2, 1);
    nan[(2, 0)] = f64::NAN;
    assert!(matches!(
        Condensed::from_points(&nan, Metric::Euclidean),
        Err(Error::NonFinite {
            row: 2,
            column: 0,
            ..
        })
    ));
    assert!(Linkage::parse("wards")
        .unwrap_err()
        .to_string()
        .contains("wards"));
    assert!(Metric::parse("chebyshev")
        .unwrap_err()
        .to_string()
        .contains("chebyshev"));
    let zero_row = Matrix::new(2, 2, vec![0.0, 0.0, 1.0, 1.0]).unwrap();
    let e = Condensed::from_points(&zero_row, Metric::Cosine)
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 0"), "{e}");
    let lopsided = Matrix::new(2, 2, vec![0.0, 1.0, 2.0, 0.0]).unwrap();
    assert!(Condensed::from_square(&lopsided)
        .unwrap_err()
        .to_string()
        .contains("symmetric"));
    // Identical points are fine: every height is zero.
    let same = Matrix::from_fn(4, 2, |_, _| 1.5);
    let d = Condensed::from_points(&same, Metric::Euclidean).unwrap();
    for method in [Linkage::Single, Linkage::Ward, Linkage::Centroid] {
        assert_eq!(linkage(&d, method).unwrap().heights(), vec![0.0; 3]);
    }
    // So is a precomputed matrix with zero between distinct items; a negative one is not.
    let zero = Matrix::new(2, 2, vec![0.0; 4]).unwrap();
    assert_eq!(Condensed::from_square(&zero).unwrap().values(), [0.0]);
    let negative = Matrix::new(2, 2, vec![0.0, -1.0, -1.0, 0.0]).unwrap();
    assert!(Condensed::from_square(&negative).is_err());
}

#[test]
fn linkage_and_cut_pass_the_estimator_battery() {
    for method in [
        Linkage::Single,
        Linkage::Complete,
        Linkage::Average,
        Linkage::Ward,
    ] {
        common::check_estimator(common::Estimator {
            name: "linkage",
            count: 3,
            fit: &|x: &Matrix<f64>, k: usize, _threads: usize| -> unsupervised::Result<Vec<f64>> {
                let tree = linkage(&Condensed::from_points(x, Metric::Euclidean)?, method)?;
                Ok(tree
                    .cut_k(k)?
                    .into_iter()
                    .map(|l| l as f64)
                    .chain(tree.heights())
                    .collect())
            },
        });
    }
}

#[test]
fn huge_but_finite_data_scale_the_tree_exactly_and_overflow_is_an_error() {
    // Scaling the points by 2^500 scales every distance by 2^500 exactly, so every linkage
    // must give the same fusions with heights exactly 2^500 times larger, even though Ward's
    // squared updates of such distances would overflow if done naively.
    let x = random_points(40, 3, 11);
    let big = Matrix::from_fn(40, 3, |i, j| x[(i, j)] * 2f64.powi(500));
    for method in Linkage::ALL {
        let small = linkage(
            &Condensed::from_points(&x, Metric::Euclidean).unwrap(),
            method,
        )
        .unwrap();
        let large = linkage(
            &Condensed::from_points(&big, Metric::Euclidean).unwrap(),
            method,
        )
        .unwrap();
        for (s, l) in small.merges.iter().zip(&large.merges) {
            assert_eq!((s.a, s.b, s.size), (l.a, l.b, l.size), "{method:?}");
            assert_eq!(s.height * 2f64.powi(500), l.height, "{method:?}");
        }
        let _ = large.leaf_order();
    }
    // The reproducer of the bug: 1, 2 and 1e154 on a line. Ward's height for {1, 2} + {1e154}
    // is sqrt(2 n_a n_b / (n_a + n_b)) |c_a - c_b| = sqrt(4/3) (1e154 - 1.5).
    let line = Matrix::from_fn(3, 1, |i, _| [1.0, 2.0, 1e154][i]);
    let d = Condensed::from_points(&line, Metric::Euclidean).unwrap();
    let ward = linkage(&d, Linkage::Ward).unwrap();
    let expected = (4.0f64 / 3.0).sqrt() * 1e154;
    assert!((ward.merges[1].height - expected).abs() <= 4.0 * f64::EPSILON * expected);
    assert!((cophenetic_correlation(&d, &ward).unwrap() - 1.0).abs() < 1e-12);
    // Distances beyond f64::MAX are an error naming the rows, not a broken tree.
    let apart = Matrix::from_fn(3, 1, |i, _| [1.0, 1e300, -1e300][i]);
    let err = Condensed::from_points(&apart, Metric::Euclidean)
        .unwrap_err()
        .to_string();
    assert!(err.contains("rows 0 and 1"), "{err}");
}

/// The book's statement (chapter 5, "Inversions"): on standardised USArrests, centroid and
/// median linkage each have 5 inversions, and the reducible linkages none.
#[test]
fn usarrests_has_the_books_count_of_inversions() {
    let x = usarrests_standardized();
    let d = Condensed::from_points(&x, Metric::Euclidean).unwrap();
    for (method, count) in [
        (Linkage::Centroid, 5),
        (Linkage::Median, 5),
        (Linkage::Complete, 0),
        (Linkage::Ward, 0),
    ] {
        let found = linkage(&d, method).unwrap().inversions();
        assert_eq!(
            found.len(),
            count,
            "{method:?}: inversions at fusions {found:?}"
        );
    }
}
