//! Pictures: PNG bytes checked by a decoder written here, SVG structure, ticks, geometry.

use proptest::prelude::*;
use unsupervised::image::Image;
use unsupervised::plot::png::{adler32, crc32, encode};
use unsupervised::plot::{
    captioned, class_color, ellipse_points, fixed, glyph, image_grid, integer_ticks, nice_ticks,
    ramp_color, to_bytes, Figure, Plot,
};

#[test]
fn checksums_match_their_published_check_values() {
    // The standard check value of CRC-32/ISO-HDLC and the Adler-32 example from RFC 1950's
    // Wikipedia article.
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b""), 0);
    assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    assert_eq!(adler32(b""), 1);
    // Long input: exercises the modulo every 5552 bytes.
    let long = vec![255u8; 100_000];
    let (mut a, mut b) = (1u64, 0u64);
    for &x in &long {
        a = (a + u64::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    assert_eq!(adler32(&long), ((b << 16) | a) as u32);
}

/// A PNG decoder for what our encoder writes: checks the signature and every chunk's CRC,
/// inflates stored deflate blocks, checks Adler-32, and undoes filter 0.
fn decode(png: &[u8]) -> (usize, usize, usize, Vec<u8>) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "signature");
    let (mut at, mut idat, mut header) = (8, Vec::new(), None);
    let mut kinds = Vec::new();
    while at < png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        let kind = &png[at + 4..at + 8];
        let data = &png[at + 8..at + 8 + len];
        let crc = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
        assert_eq!(
            crc,
            crc32(&png[at + 4..at + 8 + len]),
            "CRC of chunk {}",
            String::from_utf8_lossy(kind)
        );
        kinds.push(String::from_utf8_lossy(kind).to_string());
        match kind {
            b"IHDR" => header = Some(data.to_vec()),
            b"IDAT" => idat.extend_from_slice(data),
            _ => {}
        }
        at += 12 + len;
    }
    assert_eq!(kinds.first().map(String::as_str), Some("IHDR"));
    assert_eq!(kinds.last().map(String::as_str), Some("IEND"));
    let h = header.unwrap();
    let width = u32::from_be_bytes(h[0..4].try_into().unwrap()) as usize;
    let height = u32::from_be_bytes(h[4..8].try_into().unwrap()) as usize;
    assert_eq!(h[8], 8, "bit depth");
    let channels = match h[9] {
        0 => 1,
        2 => 3,
        t => panic!("colour type {t}"),
    };
    // zlib: header, stored blocks, Adler-32.
    assert_eq!(
        (u16::from(idat[0]) << 8 | u16::from(idat[1])) % 31,
        0,
        "zlib header check"
    );
    let (mut p, mut raw) = (2, Vec::new());
    loop {
        let last = idat[p] & 1 == 1;
        assert_eq!(idat[p] >> 1 & 3, 0, "stored block");
        let len = u16::from_le_bytes([idat[p + 1], idat[p + 2]]);
        let nlen = u16::from_le_bytes([idat[p + 3], idat[p + 4]]);
        assert_eq!(len, !nlen);
        raw.extend_from_slice(&idat[p + 5..p + 5 + len as usize]);
        p += 5 + len as usize;
        if last {
            break;
        }
    }
    assert_eq!(
        u32::from_be_bytes(idat[p..p + 4].try_into().unwrap()),
        adler32(&raw)
    );
    let row = width * channels;
    let mut pixels = Vec::new();
    for line in raw.chunks_exact(row + 1) {
        assert_eq!(line[0], 0, "filter type");
        pixels.extend_from_slice(&line[1..]);
    }
    (width, height, channels, pixels)
}

proptest! {
    #[test]
    fn png_decodes_back_to_its_pixels(w in 1usize..40, h in 1usize..40, rgb: bool, seed: u8) {
        let c = if rgb { 3 } else { 1 };
        let pixels: Vec<u8> = (0..w * h * c).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect();
        let img = Image::new(w, h, c, pixels.clone()).unwrap();
        prop_assert_eq!(decode(&encode(&img)), (w, h, c, pixels));
    }
}

#[test]
fn large_png_spans_several_stored_blocks() {
    let img = Image::new(300, 300, 3, (0..270_000).map(|i| (i % 251) as u8).collect()).unwrap();
    let (w, h, c, px) = decode(&encode(&img));
    assert_eq!((w, h, c), (300, 300, 3));
    assert_eq!(px, img.pixels);
}

#[test]
fn ticks_are_round_and_cover_the_range() {
    assert_eq!(
        nice_ticks(0.0, 10.0, 5),
        vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    );
    assert_eq!(nice_ticks(-1.0, 1.0, 4), vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
    let t = nice_ticks(0.013, 0.087, 5);
    assert!(
        t.iter().all(|&v| (0.013..=0.087).contains(&v)) && t.len() >= 3,
        "{t:?}"
    );
    assert_eq!(nice_ticks(3.0, 3.0, 5), vec![3.0]);
    assert_eq!(nice_ticks(f64::NAN, 1.0, 5).len(), 1);
}

#[test]
fn svg_has_one_element_per_point_and_no_nan() {
    let xs = [0.0, 1.0, 2.0, 3.0];
    let ys = [1.0, 0.5, 2.0, f64::NAN];
    let svg = Plot::new("a < b & c")
        .x_label("x")
        .scatter_classes(
            &xs,
            &[1.0, 2.0, 3.0, 4.0],
            &[0, 1, 1, 2],
            &["zero".into(), "one".into(), "two".into()],
        )
        .unwrap()
        .line(&xs, &ys, "#000", "loss")
        .unwrap()
        .to_svg(400.0, 300.0);
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("a &lt; b &amp; c"), "titles are escaped");
    assert_eq!(
        svg.matches("<circle").count(),
        4 + 4,
        "four points and four legend dots"
    );
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
    assert!(svg.contains(class_color(2)));
    assert!(Plot::new("").points(&[1.0], &[], "#000").is_err());
}

#[test]
fn ellipse_points_lie_at_k_mahalanobis_units() {
    let (mean, cov, k) = ((1.0, -2.0), [[4.0, 1.2], [1.2, 1.0]], 2.0);
    let det = cov[0][0] * cov[1][1] - cov[0][1] * cov[1][0];
    for (x, y) in ellipse_points(mean, cov, k).unwrap() {
        let (dx, dy) = (x - mean.0, y - mean.1);
        // (x - μ)ᵀ Σ⁻¹ (x - μ) with the 2 x 2 inverse written out.
        let m = (cov[1][1] * dx * dx - 2.0 * cov[0][1] * dx * dy + cov[0][0] * dy * dy) / det;
        assert!((m - k * k).abs() < 1e-9, "{m}");
    }
    let svg = Plot::new("")
        .ellipse(mean, cov, k, "#000")
        .unwrap()
        .to_svg(300.0, 300.0);
    assert!(svg.contains("<polygon"));
    assert!(
        ellipse_points((0.0, 0.0), [[1.0, 2.0], [2.0, 1.0]], 1.0).is_err(),
        "indefinite"
    );
    assert!(
        ellipse_points((0.0, 0.0), [[1.0, 0.5], [0.0, 1.0]], 1.0).is_err(),
        "not symmetric"
    );
}

#[test]
fn figures_lay_out_panels_in_rows() {
    let p = Plot::new("p").points(&[0.0], &[0.0], "#000").unwrap();
    let svg = Figure::new("grid", 2, 200.0, 150.0)
        .with(p.clone())
        .with(p.clone())
        .with(p)
        .to_svg();
    assert!(
        svg.contains(r#"width="400" height="328""#),
        "2 columns x 2 rows + title"
    );
    assert_eq!(svg.matches(">p</text>").count(), 3);
}

#[test]
fn image_grid_places_tiles_and_checks_sizes() {
    let a = [0u8; 4];
    let b = [9u8; 4];
    let g = image_grid(&[&a, &b, &a], 2, 2, 1, 2, 1).unwrap();
    assert_eq!((g.width, g.height), (2 * 3 + 1, 2 * 3 + 1));
    assert_eq!(g.pixel(1, 1), &[0]);
    assert_eq!(g.pixel(4, 1), &[9]);
    assert_eq!(g.pixel(0, 0), &[255], "padding is white");
    assert!(image_grid(&[&a, &[1u8; 3]], 2, 2, 1, 2, 1).is_err());
    // RGB tiles keep their channels in place.
    let red = [255u8, 0, 0].repeat(4);
    let blue = [0u8, 0, 255].repeat(4);
    let rgb = image_grid(&[&red, &blue], 2, 2, 3, 2, 0).unwrap();
    assert_eq!((rgb.width, rgb.height, rgb.channels), (4, 2, 3));
    assert_eq!(
        (rgb.pixel(1, 1), rgb.pixel(2, 0)),
        (&[255u8, 0, 0][..], &[0u8, 0, 255][..])
    );
    let big = unsupervised::plot::upscale(&rgb, 3);
    assert_eq!(
        (big.width, big.height, big.pixel(8, 5)),
        (12, 6, &[0u8, 0, 255][..])
    );
    assert!(image_grid(&[], 2, 2, 1, 2, 1).is_err());
    assert_eq!(
        to_bytes(&[0.0, 0.5, 1.0, 2.0], 0.0, 1.0, false),
        vec![0, 128, 255, 255]
    );
    assert_eq!(to_bytes(&[0.0, 1.0], 0.0, 1.0, true), vec![255, 0]);
    assert_eq!(ramp_color(0.0), "#440154");
    assert_eq!(ramp_color(1.0), "#fde725");
}

#[test]
fn dendrogram_draws_every_leaf_and_refuses_a_malformed_tree() {
    use unsupervised::plot::{dendrogram, Figure};
    // Leaves 0..4; merge 0 makes cluster 4 = {0, 1}, merge 1 makes 5 = {2, 3}, merge 2 joins.
    let merges = [(0, 1, 1.0), (2, 3, 2.0), (4, 5, 5.0)];
    let names: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
    let plot = dendrogram("t".into(), &merges, &[0, 1, 2, 3], &[0, 0, 1, 1], &names).unwrap();
    let svg = Figure::new("", 1, 300.0, 300.0).with(plot).to_svg();
    for name in ["a", "b", "c", "d"] {
        assert!(svg.contains(&format!(">{name}<")), "leaf {name} missing");
    }
    // A merge that names a cluster not made yet, and an order with a leaf too many.
    let bad = [(0, 1, 1.0), (2, 5, 2.0), (4, 5, 5.0)];
    assert!(dendrogram("t".into(), &bad, &[0, 1, 2, 3], &[0, 0, 1, 1], &names).is_err());
    assert!(dendrogram("t".into(), &merges, &[0, 1, 2], &[0, 0, 1, 1], &names).is_err());
}

#[test]
fn class_map_needs_two_columns() {
    use unsupervised::linalg::Matrix;
    use unsupervised::plot::class_map;
    let one = Matrix::zeros(3, 1);
    assert!(class_map("t", &one, &[0, 0, 0], &[]).is_err());
    let two = Matrix::from_fn(3, 2, |i, j| (i + j) as f64);
    assert!(class_map("t", &two, &[0, 1, 0], &[]).is_ok());
}

#[test]
fn numbers_never_read_minus_zero_and_counting_axes_tick_whole_numbers() {
    assert_eq!(fixed(-0.001, 2), "0.00");
    assert_eq!(fixed(-0.006, 2), "-0.01");
    assert_eq!(fixed(0.004, 2), "0.00");
    assert_eq!(integer_ticks(0.8, 3.4, 5), vec![1.0, 2.0, 3.0]);
    assert_eq!(integer_ticks(0.0, 40.0, 5), nice_ticks(0.0, 40.0, 5));
    let epochs = Plot::new("loss")
        .integer_x()
        .line(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0], "#000", "loss")
        .unwrap()
        .to_svg(300.0, 200.0);
    let x_label = |v: &str| format!(r#"text-anchor="middle">{v}<"#);
    assert!(
        !epochs.contains(&x_label("1.5")) && epochs.contains(&x_label("2")),
        "{epochs}"
    );
}

/// The number in attribute `attr` of the first element after `marker`.
fn number_after(svg: &str, marker: &str, attr: &str) -> f64 {
    let element = svg.split(marker).nth(1).unwrap();
    let value = element.split(&format!("{attr}=\"")).nth(1).unwrap();
    value[..value.find('"').unwrap()].parse().unwrap()
}

#[test]
fn wide_equal_aspect_rows_leave_no_blank_band_and_legends_sit_above_the_data() {
    // Data four times wider than tall: in 300 x 300 cells the panel needs far less height.
    let wide = Plot::new("wide")
        .equal_aspect()
        .points(&[0.0, 4.0], &[0.0, 1.0], "#000")
        .unwrap();
    let svg = Figure::new("", 1, 300.0, 300.0)
        .with(wide.clone())
        .with(wide)
        .to_svg();
    let height = number_after(&svg, "<svg", "height");
    assert!(
        height < 2.0 * 180.0,
        "two wide panels take {height} px of 600"
    );
    // The legend is drawn above the frame of the data, not over the points.
    let svg = Plot::new("p")
        .legend("class a", "#f00")
        .points(&[0.0, 1.0], &[0.0, 1.0], "#000")
        .unwrap()
        .to_svg(300.0, 200.0);
    let frame_top = number_after(&svg, "<rect x=", "y");
    let label_y: f64 = svg
        .split(">class a</text>")
        .next()
        .unwrap()
        .rsplit("y=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        label_y < frame_top,
        "legend at y = {label_y}, data from y = {frame_top}"
    );
}

#[test]
fn captioned_tiles_write_their_label_in_the_strip_below() {
    let image = vec![200u8; 10 * 20];
    let tile = captioned(&image, 10, 20, 1, "K=4", 1);
    assert_eq!(tile.len(), (10 + 9) * 20, "a 9-row strip at scale 1");
    assert_eq!(&tile[..200], &image[..], "the image is untouched");
    let dark = |t: &[u8]| t.iter().filter(|&&v| v == 0).count();
    // Each glyph's lit pixels, no more and no less.
    let lit = |text: &str| -> usize {
        text.chars()
            .flat_map(glyph)
            .map(|row| row.count_ones() as usize)
            .sum()
    };
    assert_eq!(dark(&tile), lit("K=4"));
    assert_ne!(tile, captioned(&image, 10, 20, 1, "K=2", 1));
    assert_eq!(dark(&captioned(&image, 10, 20, 1, "", 1)), 0);
    // Scale 2 doubles the strip and quadruples every lit pixel; RGB blackens all channels.
    let rgb = captioned(&vec![255u8; 10 * 40 * 3], 10, 40, 3, "7>1", 2);
    assert_eq!(rgb.len(), (10 + 18) * 40 * 3);
    assert_eq!(dark(&rgb), 4 * 3 * lit("7>1"));
}
