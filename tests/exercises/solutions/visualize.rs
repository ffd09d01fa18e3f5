//! Answers to chapter 15's exercises.

pub fn correlate(image: &[f64], h: usize, w: usize, kernel: &[f64], k: usize) -> Vec<f64> {
    let r = (k / 2) as isize;
    let mut out = vec![0.0; h * w];
    for y in 0..h as isize {
        for x in 0..w as isize {
            let mut sum = 0.0;
            for s in -r..=r {
                for t in -r..=r {
                    let (yy, xx) = (y + s, x + t);
                    if (0..h as isize).contains(&yy) && (0..w as isize).contains(&xx) {
                        sum += kernel[((s + r) * k as isize + t + r) as usize]
                            * image[(yy * w as isize + xx) as usize];
                    }
                }
            }
            out[(y * w as isize + x) as usize] = sum;
        }
    }
    out
}

pub fn gram(features: &[f64], c: usize, hw: usize) -> Vec<f64> {
    let map = |a: usize| &features[a * hw..(a + 1) * hw];
    (0..c * c)
        .map(|ab| {
            map(ab / c)
                .iter()
                .zip(map(ab % c))
                .map(|(x, y)| x * y)
                .sum()
        })
        .collect()
}

pub fn total_variation(image: &[f64], h: usize, w: usize, beta: f64) -> f64 {
    let mut sum = 0.0;
    for i in 0..h - 1 {
        for j in 0..w - 1 {
            let here = image[i * w + j];
            let dx = image[i * w + j + 1] - here;
            let dy = image[(i + 1) * w + j] - here;
            sum += (dx * dx + dy * dy).powf(beta / 2.0);
        }
    }
    sum
}
