//! Embedded data, file formats and their errors.

use proptest::prelude::*;
use unsupervised::datasets::idx::{parse_idx, write_idx, Idx};
use unsupervised::datasets::npy::{parse_npy, write_npy, Npy, NpyData};
use unsupervised::datasets::pnm::{parse_pnm, write_pnm};
use unsupervised::datasets::{self, dataset_from_csv, CsvSpec};
use unsupervised::image::Image;
use unsupervised::linalg::Matrix;
use unsupervised::{Error, Location};

// ---------------------------------------------------------------- SHA-256 (FIPS 180-4)

fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    // Padding: a 1 bit, zeros, and the length in bits, to a multiple of 64 bytes.
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for t in 0..16 {
            w[t] = u32::from_be_bytes([
                block[4 * t],
                block[4 * t + 1],
                block[4 * t + 2],
                block[4 * t + 3],
            ]);
        }
        for t in 16..64 {
            let s0 = w[t - 15].rotate_right(7) ^ w[t - 15].rotate_right(18) ^ (w[t - 15] >> 3);
            let s1 = w[t - 2].rotate_right(17) ^ w[t - 2].rotate_right(19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16]
                .wrapping_add(s0)
                .wrapping_add(w[t - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for t in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[t])
                .wrapping_add(w[t]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            (hh, g, f, e, d, c, b, a) = (g, f, e, d.wrapping_add(t1), c, b, a, t1.wrapping_add(t2));
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (o, x) in out.chunks_exact_mut(4).zip(h) {
        o.copy_from_slice(&x.to_be_bytes());
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn sha256_matches_the_fips_test_vectors() {
    assert_eq!(
        hex(&sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        hex(&sha256(b"")),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    // Two blocks.
    assert_eq!(
        hex(&sha256(
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        )),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
}

#[test]
fn every_embedded_file_matches_its_checksum() {
    let sums = include_str!("../src/datasets/data/SHA256SUMS");
    let mut checked = 0;
    for line in sums.lines().filter(|l| !l.trim().is_empty()) {
        let (sum, file) = line.split_once("  ").expect("`sum  file` lines");
        let bytes = datasets::embedded(file.trim()).unwrap();
        assert_eq!(hex(&sha256(bytes)), sum, "{file} is damaged");
        checked += 1;
    }
    assert_eq!(
        checked,
        datasets::FILES.len(),
        "every embedded file has a checksum"
    );
}

// ---------------------------------------------------------------- the embedded sets

#[test]
fn usarrests_has_fifty_states_and_four_variables() {
    let d = datasets::usarrests().unwrap();
    assert_eq!(d.x.shape(), (50, 4));
    assert_eq!(d.feature_names, ["Murder", "Assault", "UrbanPop", "Rape"]);
    let names = d.row_names.unwrap();
    assert_eq!(names[0], "Alabama");
    assert_eq!(names[29], "New Jersey");
    assert_eq!(d.x.row(0), &[13.2, 236.0, 58.0, 21.2]);
    assert!(d.labels.is_none());
    // ISLR: the means are 7.788, 170.76, 65.54 and 21.232.
    let means = d.x.column_means().unwrap();
    for (m, e) in means.iter().zip([7.788, 170.76, 65.54, 21.232]) {
        assert!((m - e).abs() < 1e-9, "{means:?}");
    }
}

#[test]
fn faithful_digits_and_mnist_have_their_published_shapes() {
    let f = datasets::faithful().unwrap();
    assert_eq!(f.x.shape(), (272, 2));
    assert_eq!(f.x.row(0), &[3.6, 79.0]);
    let d = datasets::digits().unwrap();
    assert_eq!(d.x.shape(), (1797, 64));
    let labels = d.labels.as_ref().unwrap();
    let mut counts = [0usize; 10];
    labels.iter().for_each(|&l| counts[l] += 1);
    // scikit-learn's load_digits: 178, 182, 177, 183, 181, 182, 181, 179, 174, 180.
    assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    assert!(d.x.as_slice().iter().all(|&v| (0.0..=16.0).contains(&v)));
    let m = datasets::mnist().unwrap();
    assert_eq!(m.x.shape(), (10_000, 784));
    assert!(m.x.as_slice().iter().all(|&v| (0.0..=1.0).contains(&v)));
    assert_eq!(m.labels.as_ref().unwrap().len(), 10_000);
    assert_eq!(m.class_names.len(), 10);
    assert!(datasets::by_name("nope").is_err());
}

#[test]
fn the_photos_load_with_their_sizes() {
    let g = datasets::china_gray().unwrap();
    assert_eq!((g.width, g.height, g.channels), (256, 256, 1));
    let c = datasets::china_rgb().unwrap();
    assert_eq!((c.width, c.height, c.channels), (128, 128, 3));
    let f = datasets::flower_rgb().unwrap();
    assert_eq!(f.pixels.len(), 128 * 128 * 3);
    assert_eq!(c.pixel(5, 7).len(), 3);
}

// ---------------------------------------------------------------- CSV

#[test]
fn csv_reads_quotes_bom_crlf_and_selected_columns() {
    let text =
        "\u{feff}name,a,b,class\r\n\"Smith, J.\",1.5,2,x\r\n\"say \"\"hi\"\"\",3,-4e-1,y\r\n\r\n";
    let spec = CsvSpec {
        features: Some(&["b", "a"]),
        label: Some("class"),
        row_names: Some("name"),
    };
    let d = dataset_from_csv(text, "t.csv", "t", &spec).unwrap();
    assert_eq!(d.x.to_rows(), vec![vec![2.0, 1.5], vec![-0.4, 3.0]]);
    assert_eq!(d.row_names.unwrap(), ["Smith, J.", "say \"hi\""]);
    assert_eq!(d.labels.unwrap(), [0, 1]);
    assert_eq!(d.class_names, ["x", "y"]);
}

#[track_caller]
fn parse_error(text: &str) -> (Location, String) {
    match dataset_from_csv(text, "bad.csv", "bad", &CsvSpec::default()) {
        Err(Error::Parse { file, at, reason }) => {
            assert_eq!(file, "bad.csv");
            (at, reason)
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn csv_errors_name_the_line_and_column() {
    let (at, why) = parse_error("a,b\n1,2\n3\n");
    assert_eq!(at, Location::LineColumn { line: 3, column: 2 });
    assert!(why.contains("expected 2 fields"), "{why}");
    let (at, why) = parse_error("a,b\n1,2\n3,x4\n");
    assert_eq!(at, Location::LineColumn { line: 3, column: 2 });
    assert!(why.contains("`x4`") && why.contains("column `b`"), "{why}");
    assert_eq!(parse_error("").0, Location::File);
    assert_eq!(parse_error("a,b\n").0, Location::File);
    assert_eq!(
        parse_error("a,a\n1,2\n").0,
        Location::LineColumn { line: 1, column: 2 }
    );
    assert_eq!(
        parse_error("a\n\"open\n").0,
        Location::LineColumn { line: 2, column: 1 }
    );
    assert_eq!(
        parse_error("a,b\n1,2\"\n").0,
        Location::LineColumn { line: 2, column: 2 }
    );
    assert_eq!(
        parse_error("a\nNaN\n").0,
        Location::LineColumn { line: 2, column: 1 }
    );
    let err = Error::parse(
        "bad.csv",
        Location::LineColumn { line: 3, column: 2 },
        "why",
    )
    .to_string();
    assert_eq!(err, "bad.csv: line 3, column 2: why");
}

#[test]
fn csv_errors_locate_bad_bytes_and_quote_cells_safely() {
    // Latin-1 'é' (0xe9) in the second field of line 3: not UTF-8.
    let err = datasets::read_csv(
        &b"a,b\n1,2\n3,caf\xe9\n"[..],
        "l1.csv",
        "l1",
        &CsvSpec::default(),
    )
    .unwrap_err();
    match err {
        Error::Parse { at, reason, .. } => {
            assert_eq!(at, Location::LineColumn { line: 3, column: 2 });
            assert!(
                reason.contains("0xe9") && reason.contains("UTF-8"),
                "{reason}"
            );
        }
        other => panic!("{other}"),
    }
    // A 10,000-character cell is quoted to 80 characters; an escape byte is escaped.
    let long = format!("a\n{}\n", "x".repeat(10_000));
    let (_, why) = parse_error(&long);
    assert!(
        why.len() < 200 && why.contains(&format!("`{}…`", "x".repeat(80))),
        "{why}"
    );
    let (_, why) = parse_error("a\n\u{1b}[31mred\n");
    assert!(
        !why.contains('\u{1b}') && why.contains("\\u{1b}[31mred"),
        "{why}"
    );
}

#[test]
fn an_unnamed_first_column_is_read_as_row_names() {
    // What pandas' DataFrame.to_csv writes by default: the index, under an empty name.
    let pandas = ",x,y\n0,1.5,2\n1,3,4\n2,5,6\n";
    let d = dataset_from_csv(pandas, "p.csv", "p", &CsvSpec::default()).unwrap();
    assert_eq!(d.feature_names, ["x", "y"]);
    assert_eq!(
        d.x.to_rows(),
        vec![vec![1.5, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]]
    );
    assert_eq!(d.row_names.unwrap(), ["0", "1", "2"]);
    // And R's write.csv: quoted row names under "".
    let r = "\"\",\"a\"\n\"Alabama\",13.2\n\"Alaska\",10\n";
    let d = dataset_from_csv(r, "r.csv", "r", &CsvSpec::default()).unwrap();
    assert_eq!(d.row_names.unwrap(), ["Alabama", "Alaska"]);
    assert_eq!(d.x.to_rows(), vec![vec![13.2], vec![10.0]]);
}

#[test]
fn csv_names_a_missing_column_and_lists_the_real_ones() {
    let spec = CsvSpec {
        label: Some("species"),
        ..CsvSpec::default()
    };
    let err = dataset_from_csv("a,b\n1,2\n", "t.csv", "t", &spec)
        .unwrap_err()
        .to_string();
    assert!(err.contains("species") && err.contains("a, b"), "{err}");
    // The missing label column is blamed, not a text column that would be a feature.
    let err = dataset_from_csv("a,kind\n1,cat\n", "t.csv", "t", &spec)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("label = species: t.csv has no such column"),
        "{err}"
    );
}

// ---------------------------------------------------------------- NPY

#[test]
fn npy_round_trips_every_element_type() {
    for data in [
        NpyData::F64(vec![1.5, -2.0, 3.25, 0.0, 1e300, -1e-300]),
        NpyData::F32(vec![1.5, -2.0, 3.25, 0.0, 1e30, 7.0]),
        NpyData::I64(vec![1, -2, 3, i64::MAX, i64::MIN, 0]),
        NpyData::U8(vec![0, 1, 2, 253, 254, 255]),
    ] {
        for shape in [vec![6], vec![2, 3], vec![3, 1, 2]] {
            let npy = Npy {
                shape: shape.clone(),
                data: data.clone(),
            };
            let bytes = write_npy(&npy).unwrap();
            // NumPy's layout: the data start on a 64-byte boundary after a '\n'-terminated header.
            let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
            assert_eq!((10 + header_len) % 64, 0);
            assert_eq!(bytes[9 + header_len], b'\n');
            assert_eq!(parse_npy(&bytes, "t.npy").unwrap(), npy);
        }
    }
    let m = Matrix::from_fn(3, 2, |i, j| (i * 2 + j) as f64);
    let back = parse_npy(&write_npy(&Npy::from_matrix(&m)).unwrap(), "m.npy").unwrap();
    assert_eq!(back.to_matrix().unwrap(), m);
}

#[test]
fn npy_reads_what_numpy_writes() {
    // np.save of np.arange(3, dtype='<f8'): header written by NumPy 1.x.
    let mut bytes =
        b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }".to_vec();
    bytes.resize(10 + 0x76 - 1, b' ');
    bytes.push(b'\n');
    for v in [0.0f64, 1.0, 2.0] {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let npy = parse_npy(&bytes, "a.npy").unwrap();
    assert_eq!(npy.shape, [3]);
    assert_eq!(npy.data, NpyData::F64(vec![0.0, 1.0, 2.0]));
}

#[test]
fn npy_errors_say_what_is_wrong() {
    let good = write_npy(&Npy {
        shape: vec![2, 2],
        data: NpyData::F64(vec![1.0; 4]),
    })
    .unwrap();
    let why = |bytes: &[u8]| parse_npy(bytes, "x.npy").unwrap_err().to_string();
    assert!(why(b"PK\x03\x04 not npy at all").contains("bad magic"));
    assert!(why(&good[..good.len() - 3]).contains("needs 4 values"));
    assert!(why(&good[..5]).contains("truncated"));
    let swap = |from: &str, to: &str| {
        let mut b = good.clone();
        let at = good
            .windows(from.len())
            .position(|w| w == from.as_bytes())
            .unwrap();
        b.splice(at..at + from.len(), to.bytes());
        b
    };
    assert!(why(&swap("False", "True ")).contains("Fortran"));
    assert!(why(&swap("<f8", ">f8")).contains("'>f8' is not supported"));
    assert!(why(&swap("(2, 2)", "(2, x)")).contains("whole numbers"));
    assert!(why(&swap("(2, 2)", "(99999999999, 99999999999)")).contains("overflows"));
    assert!(write_npy(&Npy {
        shape: vec![3],
        data: NpyData::U8(vec![1, 2])
    })
    .is_err());
}

// ---------------------------------------------------------------- IDX and PNM

#[test]
fn idx_round_trips_and_reports_bad_headers() {
    let idx = Idx {
        dims: vec![2, 3],
        data: vec![1, 2, 3, 4, 5, 6],
    };
    let bytes = write_idx(&idx).unwrap();
    assert_eq!(parse_idx(&bytes, "t.idx").unwrap(), idx);
    let at = |b: &[u8]| match parse_idx(b, "t.idx") {
        Err(Error::Parse { at, reason, .. }) => (at, reason),
        other => panic!("{other:?}"),
    };
    assert_eq!(at(&[1, 0, 8, 1]).0, Location::Byte(0));
    assert!(at(&[0, 0, 0x0d, 1]).1.contains("0x0d"));
    assert!(at(&bytes[..bytes.len() - 1]).1.contains("holds 5"));
    assert!(at(&bytes[..6]).1.contains("truncated"));
    // Three dimensions of 2³² - 1: the product overflows 64 bits.
    let mut huge = vec![0, 0, 8, 3];
    huge.extend_from_slice(&[255; 12]);
    assert!(at(&huge).1.contains("overflows"));
    assert!(write_idx(&Idx {
        dims: vec![4],
        data: vec![0; 3]
    })
    .is_err());
}

#[test]
fn pnm_round_trips_and_reads_comments() {
    let img = Image::new(3, 2, 3, (0..18).collect()).unwrap();
    assert_eq!(parse_pnm(&write_pnm(&img), "t.ppm").unwrap(), img);
    let with_comment = b"P5\n# a comment\n2 1\n255\n\x07\x09";
    let grey = parse_pnm(with_comment, "c.pgm").unwrap();
    assert_eq!(
        (grey.width, grey.height, grey.pixels.clone()),
        (2, 1, vec![7, 9])
    );
    let why = |b: &[u8]| parse_pnm(b, "x.pgm").unwrap_err().to_string();
    assert!(why(b"P2\n1 1\n255\n1").contains("bad magic"));
    assert!(why(b"P5\n2 x\n255\n").contains("height `x`"));
    assert!(why(b"P5\n2 2\n65535\n").contains("65535"));
    assert!(why(b"P5\n2 2\n255\n\x01").contains("holds 1"));
    assert!(why(b"P5\n2").contains("truncated"));
    assert!(Image::new(2, 2, 2, vec![0; 8]).is_err());
}

// ---------------------------------------------------------------- no panics on bad bytes

fn all_parsers(bytes: &[u8]) {
    let _ = parse_npy(bytes, "f");
    let _ = parse_idx(bytes, "f");
    let _ = parse_pnm(bytes, "f");
    let text = String::from_utf8_lossy(bytes);
    let _ = dataset_from_csv(&text, "f", "f", &CsvSpec::default());
    let _ = datasets::read_csv(bytes, "f", "f", &CsvSpec::default());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        all_parsers(&bytes);
    }

    #[test]
    fn mutated_real_files_never_panic(file in 0usize..8, cut in 0.0f64..1.0, flips in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 0..6)) {
        let original = datasets::FILES[file].bytes;
        // Small files whole; the large MNIST images only their first 4 KiB (header included).
        let mut bytes = original[..original.len().min(4096)].to_vec();
        for (pos, value) in flips {
            let at = (pos * bytes.len() as f64) as usize;
            if let Some(b) = bytes.get_mut(at) {
                *b = value;
            }
        }
        bytes.truncate((cut * bytes.len() as f64) as usize + 1);
        all_parsers(&bytes);
    }
}

// ---------------------------------------------------------------- generators

#[test]
fn generators_are_deterministic_for_a_seed() {
    assert_eq!(
        datasets::two_moons(100, 0.1, 3).unwrap(),
        datasets::two_moons(100, 0.1, 3).unwrap()
    );
    assert_ne!(
        datasets::two_moons(100, 0.1, 3).unwrap().x,
        datasets::two_moons(100, 0.1, 4).unwrap().x
    );
    assert_eq!(
        datasets::swiss_roll(50, 0.1, 1).unwrap(),
        datasets::swiss_roll(50, 0.1, 1).unwrap()
    );
    assert_eq!(
        datasets::blobs(30, 3, 4, 1.0, 9).unwrap(),
        datasets::blobs(30, 3, 4, 1.0, 9).unwrap()
    );
}

#[test]
fn blobs_split_points_evenly_around_their_centres() {
    let d = datasets::blobs(1000, 2, 3, 0.5, 1).unwrap();
    assert_eq!(d.x.shape(), (1000, 2));
    let labels = d.labels.unwrap();
    let counts: Vec<usize> = (0..3)
        .map(|c| labels.iter().filter(|&&l| l == c).count())
        .collect();
    assert_eq!(counts, [334, 333, 333]);
    // Each blob's spread is its standard deviation: within 10% at n ≈ 333.
    for c in 0..3 {
        let rows: Vec<Vec<f64>> = (0..1000)
            .filter(|&i| labels[i] == c)
            .map(|i| d.x.row(i).to_vec())
            .collect();
        let sd = Matrix::from_rows(rows)
            .unwrap()
            .column_std_sample()
            .unwrap();
        assert!(sd.iter().all(|s| (s - 0.5).abs() < 0.05), "{sd:?}");
    }
    assert!(datasets::blobs(5, 2, 6, 1.0, 0).is_err());
    assert!(datasets::blobs(5, 2, 2, -1.0, 0).is_err());
}

#[test]
fn noiseless_moons_and_circles_lie_on_their_curves() {
    let m = datasets::two_moons(200, 0.0, 0).unwrap();
    let labels = m.labels.unwrap();
    for (i, row) in m.x.iter_rows().enumerate() {
        let (cx, cy) = if labels[i] == 0 {
            (0.0, 0.0)
        } else {
            (1.0, 0.5)
        };
        let r = ((row[0] - cx).powi(2) + (row[1] - cy).powi(2)).sqrt();
        assert!(
            (r - 1.0).abs() < 1e-12,
            "moon {} point at radius {r}",
            labels[i]
        );
        assert!(if labels[i] == 0 {
            row[1] >= -1e-12
        } else {
            row[1] <= 0.5 + 1e-12
        });
    }
    let c = datasets::circles(100, 0.0, 0.3, 0).unwrap();
    let labels = c.labels.unwrap();
    for (i, row) in c.x.iter_rows().enumerate() {
        let r = row[0].hypot(row[1]);
        assert!((r - if labels[i] == 0 { 1.0 } else { 0.3 }).abs() < 1e-12);
    }
    assert!(datasets::circles(100, 0.0, 1.5, 0).is_err());
    assert!(datasets::two_moons(100, f64::NAN, 0).is_err());
    assert!(datasets::two_moons(1, 0.0, 0).is_err());
}

#[test]
fn swiss_roll_and_s_curve_carry_their_true_coordinates() {
    let s = datasets::swiss_roll(500, 0.0, 2).unwrap();
    assert_eq!(s.data.x.shape(), (500, 3));
    for (i, row) in s.data.x.iter_rows().enumerate() {
        let t = s.t[i];
        assert!((1.5 * std::f64::consts::PI..=4.5 * std::f64::consts::PI).contains(&t));
        assert!((row[0] - t * t.cos()).abs() < 1e-12 && (row[2] - t * t.sin()).abs() < 1e-12);
        assert_eq!(row[1], s.height[i]);
    }
    let c = datasets::s_curve(300, 0.0, 2).unwrap();
    for (i, row) in c.data.x.iter_rows().enumerate() {
        assert!((row[0] - c.t[i].sin()).abs() < 1e-12);
        assert!((0.0..=2.0).contains(&c.height[i]));
    }
}

#[test]
fn ring_and_grid_modes_sit_where_the_benchmarks_put_them() {
    let ring = datasets::ring_of_gaussians(4000, 8, 2.0, 0.02, 5).unwrap();
    let labels = ring.labels.as_ref().unwrap();
    for (i, row) in ring.x.iter_rows().enumerate() {
        let a = std::f64::consts::TAU * labels[i] as f64 / 8.0;
        let d = ((row[0] - 2.0 * a.cos()).powi(2) + (row[1] - 2.0 * a.sin()).powi(2)).sqrt();
        assert!(d < 0.02 * 6.0, "a ring point {d} from its mode");
    }
    assert_eq!(ring.class_names.len(), 8);
    let grid = datasets::grid_of_gaussians(5000, 5, 0.05, 5).unwrap();
    let labels = grid.labels.as_ref().unwrap();
    let mut seen = [false; 25];
    for (i, row) in grid.x.iter_rows().enumerate() {
        let (mx, my) = (
            2.0 * (labels[i] % 5) as f64 - 4.0,
            2.0 * (labels[i] / 5) as f64 - 4.0,
        );
        assert!((row[0] - mx).abs() < 0.4 && (row[1] - my).abs() < 0.4);
        seen[labels[i]] = true;
    }
    assert!(
        seen.iter().all(|&s| s),
        "every one of the 25 modes is drawn"
    );
}

#[test]
fn spirals_wind_in_opposite_arms() {
    let s = datasets::two_spirals(400, 0.0, 1.5, 8).unwrap();
    let labels = s.labels.unwrap();
    for (i, row) in s.x.iter_rows().enumerate() {
        // Noiseless, a point at radius r on arm 0 is r (cos r, sin r); arm 1 is its negation.
        let r = row[0].hypot(row[1]);
        assert!(r <= 1.5 * std::f64::consts::TAU + 1e-9);
        let sign = if labels[i] == 0 { 1.0 } else { -1.0 };
        assert!(
            (row[0] - sign * r * r.cos()).abs() < 1e-9
                && (row[1] - sign * r * r.sin()).abs() < 1e-9
        );
    }
    assert!(datasets::two_spirals(10, 0.0, 0.0, 0).is_err());
}

#[test]
fn cocktail_party_mixes_standardised_independent_sources() {
    let c = datasets::cocktail_party(2000, 3).unwrap();
    assert_eq!(c.sources.shape(), (2000, 4));
    let means = c.sources.column_means().unwrap();
    let sds = c.sources.column_std_population().unwrap();
    assert!(means.iter().all(|m| m.abs() < 1e-12) && sds.iter().all(|s| (s - 1.0).abs() < 1e-12));
    // X = S Aᵀ exactly as stated.
    let expected = c.sources.matmul(&c.mixing.transpose()).unwrap();
    for (a, b) in c.mixed.as_slice().iter().zip(expected.as_slice()) {
        assert!((a - b).abs() < 1e-12);
    }
    // The sources are nearly uncorrelated (independent by construction).
    let corr = c.sources.covariance_population().unwrap();
    for i in 0..4 {
        for j in 0..4 {
            if i != j {
                assert!(
                    corr[(i, j)].abs() < 0.1,
                    "sources {i} and {j} correlate {}",
                    corr[(i, j)]
                );
            }
        }
    }
}

#[test]
fn load_reads_names_generators_and_files() {
    let opts = datasets::LoadOptions {
        n: Some(60),
        noise: Some(0.0),
        seed: 2,
        label: None,
    };
    assert_eq!(datasets::load("moons", &opts).unwrap().x.rows(), 60);
    assert_eq!(datasets::load("swissroll", &opts).unwrap().x.cols(), 3);
    assert_eq!(
        datasets::load("usarrests", &datasets::LoadOptions::default())
            .unwrap()
            .x
            .rows(),
        50
    );
    // An option the source cannot use is refused, not silently ignored.
    for (source, opts, flag) in [
        ("usarrests", opts.clone(), "n = 60"),
        (
            "usarrests",
            datasets::LoadOptions {
                noise: Some(0.1),
                ..Default::default()
            },
            "noise = 0.1",
        ),
        (
            "moons",
            datasets::LoadOptions {
                label: Some("kind".into()),
                ..Default::default()
            },
            "label = kind",
        ),
    ] {
        let err = datasets::load(source, &opts).unwrap_err().to_string();
        assert!(err.starts_with(flag), "{err}");
    }
    let path = std::env::temp_dir().join(format!("unsupervised-load-{}.csv", std::process::id()));
    std::fs::write(&path, "a,b,kind\n1,2,cat\n3,4,dog\n5,6,cat\n").unwrap();
    let with_label = datasets::LoadOptions {
        label: Some("kind".into()),
        ..datasets::LoadOptions::default()
    };
    let d = datasets::load(path.to_str().unwrap(), &with_label).unwrap();
    assert_eq!(
        d.x.to_rows(),
        vec![vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]]
    );
    assert_eq!(
        (d.labels.unwrap(), d.class_names),
        (vec![0, 1, 0], vec!["cat".to_string(), "dog".to_string()])
    );
    // Without the label option the text column is an error that names its line and column.
    let err = datasets::load(path.to_str().unwrap(), &datasets::LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 2, column 3") && err.contains("`cat`"),
        "{err}"
    );
    std::fs::remove_file(&path).unwrap();
    assert!(datasets::load("iris", &opts)
        .unwrap_err()
        .to_string()
        .contains("iris"));
}

#[test]
fn a_nan_in_an_npy_file_is_refused_at_the_reader_with_its_element() {
    let mut values = vec![1.0; 12];
    values[7] = f64::NAN;
    let bytes = write_npy(&Npy {
        shape: vec![4, 3],
        data: NpyData::F64(values),
    })
    .unwrap();
    let path = std::env::temp_dir().join(format!("unsupervised-nan-{}.npy", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let err = datasets::load(path.to_str().unwrap(), &datasets::LoadOptions::default())
        .unwrap_err()
        .to_string();
    std::fs::remove_file(&path).unwrap();
    let offset = bytes.len() - 5 * 8; // elements 7..12 are the last five
    assert!(
        err.contains(&format!("byte {offset}: element 7 (row 2, column 1")) && err.contains("NaN"),
        "{err}"
    );
}
