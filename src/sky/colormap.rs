//! A perceptually uniform sequential colour map, built here from a path in OKLab
//! (Ottosson 2020, "A perceptual color space for image processing"; matrices from that text).
//!
//! The path: lightness rises linearly from 0.27 to 0.93 while the hue turns from blue-violet (295°)
//! through teal and green to yellow (105°); chroma is 0.15 where the sRGB gamut allows, else 85% of
//! the gamut's limit, smoothed. The 256 entries sit at equal OKLab arc length along the path, and
//! each is rounded to the u8 triple (among its 27 neighbours) chosen by dynamic programming to keep
//! the steps between entries as even as u8 allows while staying near the ideal point.
#![cfg_attr(
    not(test),
    allow(
        dead_code,
        reason = "the map is built only by the test that checks the committed table"
    )
)]

/// A neutral mid grey (zero chroma) for "not asked"/no data: every map entry has chroma above 0.06.
pub const MISSING: [u8; 3] = [128, 128, 128];

const L_START: f64 = 0.27;
const L_END: f64 = 0.93;
const HUE_START_DEG: f64 = 295.0;
const HUE_END_DEG: f64 = 105.0;
const CHROMA: f64 = 0.15;
const GAMUT_SHARE: f64 = 0.85;
/// Samples along the path, and the half-width of the moving average smoothing its chroma.
const FINE: usize = 1024;
const SMOOTH: usize = 60;
/// Weight of staying near the ideal point against even steps, in the rounding.
const ANCHOR: f64 = 0.1;

/// 256 entries, index 0 = low. The table `build` computes (a dynamic programme of some
/// 200,000 steps: tens of milliseconds in wasm, on the first frame with points), committed
/// as `colormap_table.rs`; a test rebuilds it and compares.
pub fn table() -> &'static [[u8; 3]; 256] {
    &TABLE
}

static TABLE: [[u8; 3]; 256] = include!("colormap_table.rs");

/// t clamped to [0, 1]; NaN -> MISSING.
pub fn color(t: f32) -> [u8; 3] {
    if t.is_nan() {
        return MISSING;
    }
    let i = (t.clamp(0.0, 1.0) * 255.0).round() as usize;
    table().get(i).copied().unwrap_or(MISSING)
}

pub fn srgb_to_oklab(rgb: [u8; 3]) -> [f32; 3] {
    linear_to_oklab(rgb.map(|c| decode(c as f64 / 255.0))).map(|c| c as f32)
}

/// sRGB transfer function: gamma-encoded [0, 1] → linear.
fn decode(c: f64) -> f64 {
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// Linear → gamma-encoded [0, 1].
fn encode(c: f64) -> f64 {
    let c = c.clamp(0.0, 1.0);
    if c <= 0.003_130_8 {
        12.92 * c
    } else {
        1.055 * c.powf(1.0 / 2.4) - 0.055
    }
}

fn mul(m: &[[f64; 3]; 3], v: [f64; 3]) -> [f64; 3] {
    m.map(|r| r[0] * v[0] + r[1] * v[1] + r[2] * v[2])
}

fn linear_to_oklab(rgb: [f64; 3]) -> [f64; 3] {
    const TO_LMS: [[f64; 3]; 3] = [
        [0.412_221_470_8, 0.536_332_536_3, 0.051_445_992_9],
        [0.211_903_498_2, 0.680_699_545_1, 0.107_396_956_6],
        [0.088_302_461_9, 0.281_718_837_6, 0.629_978_700_5],
    ];
    const TO_LAB: [[f64; 3]; 3] = [
        [0.210_454_255_3, 0.793_617_785_0, -0.004_072_046_8],
        [1.977_998_495_1, -2.428_592_205_0, 0.450_593_709_9],
        [0.025_904_037_1, 0.782_771_766_2, -0.808_675_766_0],
    ];
    mul(&TO_LAB, mul(&TO_LMS, rgb).map(f64::cbrt))
}

fn oklab_to_linear(lab: [f64; 3]) -> [f64; 3] {
    const TO_LMS: [[f64; 3]; 3] = [
        [1.0, 0.396_337_777_4, 0.215_803_757_3],
        [1.0, -0.105_561_345_8, -0.063_854_172_8],
        [1.0, -0.089_484_177_5, -1.291_485_548_0],
    ];
    const TO_RGB: [[f64; 3]; 3] = [
        [4.076_741_662_1, -3.307_711_591_3, 0.230_969_929_2],
        [-1.268_438_004_6, 2.609_757_401_1, -0.341_319_396_5],
        [-0.004_196_086_3, -0.703_418_614_7, 1.707_614_701_0],
    ];
    mul(&TO_RGB, mul(&TO_LMS, lab).map(|c| c * c * c))
}

fn in_gamut(lab: [f64; 3]) -> bool {
    oklab_to_linear(lab)
        .iter()
        .all(|c| (-1e-9..=1.0 + 1e-9).contains(c))
}

fn lab_of(l: f64, c: f64, h: f64) -> [f64; 3] {
    [l, c * h.cos(), c * h.sin()]
}

/// The largest in-gamut chroma at lightness l and hue h (radians), by bisection.
fn max_chroma(l: f64, h: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 0.5);
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if in_gamut(lab_of(l, mid, h)) {
            lo = mid
        } else {
            hi = mid
        }
    }
    lo
}

fn dist(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// The ideal (unrounded) path: 256 OKLab points at equal arc length.
fn ideal_points() -> Vec<[f64; 3]> {
    let lh = |i: usize| {
        let t = i as f64 / FINE as f64;
        (
            L_START + (L_END - L_START) * t,
            (HUE_START_DEG + (HUE_END_DEG - HUE_START_DEG) * t).to_radians(),
        )
    };
    let limit: Vec<f64> = (0..=FINE).map(|i| max_chroma(lh(i).0, lh(i).1)).collect();
    let wanted: Vec<f64> = limit.iter().map(|&m| CHROMA.min(GAMUT_SHARE * m)).collect();
    let fine: Vec<[f64; 3]> = (0..=FINE)
        .map(|i| {
            let (lo, hi) = (i.saturating_sub(SMOOTH), (i + SMOOTH).min(FINE));
            let window = &wanted[lo..=hi];
            let c = (window.iter().sum::<f64>() / window.len() as f64).min(0.95 * limit[i]);
            lab_of(lh(i).0, c, lh(i).1)
        })
        .collect();
    // cumulative arc length, then linear interpolation at 256 equal steps of it
    let mut arc = vec![0.0];
    for w in fine.windows(2) {
        arc.push(arc.last().copied().unwrap_or(0.0) + dist(w[0], w[1]));
    }
    let total = arc.last().copied().unwrap_or(0.0);
    let mut j = 0;
    (0..256)
        .map(|k| {
            let s = total * k as f64 / 255.0;
            while j + 2 < arc.len() && arc[j + 1] < s {
                j += 1;
            }
            let f = ((s - arc[j]) / (arc[j + 1] - arc[j]).max(1e-300)).clamp(0.0, 1.0);
            [0, 1, 2].map(|c| fine[j][c] + f * (fine[j + 1][c] - fine[j][c]))
        })
        .collect()
}

fn build() -> [[u8; 3]; 256] {
    let ideal = ideal_points();
    let step = dist(ideal[0], ideal[1]); // every ideal step has this length
    // candidates: the rounded sRGB of each ideal point and its 26 neighbours, with their OKLab
    let cands: Vec<Vec<([u8; 3], [f64; 3])>> = ideal
        .iter()
        .map(|&p| {
            let base = oklab_to_linear(p).map(|c| (encode(c) * 255.0).round());
            let mut v = Vec::with_capacity(27);
            for d in 0..27 {
                let off = [d / 9, (d / 3) % 3, d % 3].map(|o| o as f64 - 1.0);
                let rgb = [0, 1, 2].map(|c| (base[c] + off[c]).clamp(0.0, 255.0) as u8);
                v.push((rgb, srgb_to_oklab(rgb).map(|c| c as f64)));
            }
            v
        })
        .collect();
    // dynamic programming: cost = Σ ((step_i − step)/step)² + ANCHOR Σ (distance to ideal / step)²,
    // with lightness strictly increasing
    let anchor = |i: usize, lab: [f64; 3]| ANCHOR * (dist(lab, ideal[i]) / step).powi(2);
    let mut cost: Vec<f64> = cands[0].iter().map(|c| anchor(0, c.1)).collect();
    let mut back: Vec<Vec<usize>> = Vec::with_capacity(256);
    for i in 1..256 {
        let (prev, cur) = (&cands[i - 1], &cands[i]);
        let mut next = Vec::with_capacity(cur.len());
        let mut from = Vec::with_capacity(cur.len());
        for c in cur {
            let (mut best, mut arg) = (f64::INFINITY, 0);
            for (k, p) in prev.iter().enumerate() {
                let mut v = cost[k] + ((dist(c.1, p.1) - step) / step).powi(2);
                if c.1[0] <= p.1[0] {
                    v += 1e9;
                }
                if v < best {
                    (best, arg) = (v, k);
                }
            }
            next.push(best + anchor(i, c.1));
            from.push(arg);
        }
        cost = next;
        back.push(from);
    }
    let mut k = (0..cost.len())
        .min_by(|&a, &b| cost[a].total_cmp(&cost[b]))
        .unwrap_or(0);
    let mut out = [[0u8; 3]; 256];
    for i in (0..256).rev() {
        out[i] = cands[i].get(k).map_or(MISSING, |c| c.0);
        if i > 0 {
            k = back[i - 1].get(k).copied().unwrap_or(0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_table_is_the_one_built() {
        let built = super::build();
        let text = format!(
            "[\n{}]\n",
            built
                .iter()
                .map(|c| format!("    [{}, {}, {}],\n", c[0], c[1], c[2]))
                .collect::<String>()
        );
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sky/colormap_table.rs");
        if std::env::var_os("GZV_WRITE_COLORMAP").is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        assert_eq!(
            &built,
            super::table(),
            "src/sky/colormap_table.rs is stale: rerun this test with GZV_WRITE_COLORMAP=1"
        );
    }

    use super::*;

    fn lab(i: usize) -> [f64; 3] {
        srgb_to_oklab(table()[i]).map(|c| c as f64)
    }
    fn chroma(l: [f64; 3]) -> f64 {
        l[1].hypot(l[2])
    }

    #[test]
    fn oklab_known_values() {
        // white, black and sRGB red from Ottosson's reference values
        let w = srgb_to_oklab([255, 255, 255]);
        assert!((w[0] - 1.0).abs() < 1e-4 && w[1].abs() < 1e-4 && w[2].abs() < 1e-4);
        assert_eq!(srgb_to_oklab([0, 0, 0]), [0.0, 0.0, 0.0]);
        let r = srgb_to_oklab([255, 0, 0]);
        assert!(
            (r[0] - 0.62796).abs() < 1e-4
                && (r[1] - 0.22486).abs() < 1e-4
                && (r[2] - 0.12585).abs() < 1e-4,
            "{r:?}"
        );
        for rgb in [[10u8, 200, 30], [255, 240, 0], [40, 0, 90]] {
            let back = oklab_to_linear(srgb_to_oklab(rgb).map(|c| c as f64))
                .map(|c| (encode(c) * 255.0).round() as u8);
            assert_eq!(back, rgb);
        }
    }

    #[test]
    fn lightness_rises_and_ends_where_asked() {
        for i in 1..256 {
            assert!(lab(i)[0] > lab(i - 1)[0], "entry {i}");
        }
        assert!((lab(0)[0] - L_START).abs() < 0.01 && (lab(255)[0] - L_END).abs() < 0.01);
        // roughly linear: the middle entry is mid-way
        assert!(
            (lab(128)[0] - 0.5 * (L_START + L_END)).abs() < 0.03,
            "{}",
            lab(128)[0]
        );
    }

    #[test]
    fn steps_are_even() {
        // the ideal path: exactly even
        let ideal = ideal_points();
        let d: Vec<f64> = ideal.windows(2).map(|w| dist(w[0], w[1])).collect();
        let (lo, hi) = d
            .iter()
            .fold((f64::MAX, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
        assert!(hi / lo < 1.01, "{lo} {hi}");
        // in u8: single steps vary by about a u8 step (≈ 0.003 in OKLab, the size of a step) …
        let d1: Vec<f64> = (1..256).map(|i| dist(lab(i), lab(i - 1))).collect();
        let (lo, hi) = d1
            .iter()
            .fold((f64::MAX, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
        assert!(hi / lo < 2.3, "single steps {lo} {hi}");
        // … but over 8 entries they are even
        let d8: Vec<f64> = (8..256).map(|i| dist(lab(i), lab(i - 8))).collect();
        let (lo, hi) = d8
            .iter()
            .fold((f64::MAX, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
        assert!(hi / lo < 1.2, "8-steps {lo} {hi}");
        // and every entry stays close to its ideal point
        for (i, p) in ideal.iter().enumerate() {
            assert!(dist(lab(i), *p) < 0.005, "entry {i}");
        }
    }

    #[test]
    fn hue_path_and_missing() {
        let hue = |i: usize| lab(i)[2].atan2(lab(i)[1]).to_degrees().rem_euclid(360.0);
        assert!(
            (hue(0) - HUE_START_DEG).abs() < 5.0 && (hue(255) - HUE_END_DEG).abs() < 5.0,
            "{} {}",
            hue(0),
            hue(255)
        );
        assert!(
            (170.0..220.0).contains(&hue(128)),
            "teal in the middle: {}",
            hue(128)
        );
        let m = srgb_to_oklab(MISSING).map(|c| c as f64);
        assert!(chroma(m) < 1e-3);
        for i in 0..256 {
            assert!(chroma(lab(i)) > 0.06, "entry {i} chroma {}", chroma(lab(i)));
            assert!(dist(lab(i), m) > 0.05, "entry {i} too close to MISSING");
        }
    }

    #[test]
    fn color_lookup() {
        assert_eq!(color(f32::NAN), MISSING);
        assert_eq!(color(-3.0), table()[0]);
        assert_eq!(color(0.0), table()[0]);
        assert_eq!(color(1.0), table()[255]);
        assert_eq!(color(f32::INFINITY), table()[255]);
        assert_eq!(color(0.5), table()[128]);
        assert_ne!(table()[0], table()[255]);
        // dark blue-violet at the low end, light yellow at the high end
        let (lo, hi) = (table()[0], table()[255]);
        assert!(
            lo[2] > lo[1] && lo[2] > 60 && hi[0] > 200 && hi[1] > 200 && hi[2] < 160,
            "{lo:?} {hi:?}"
        );
    }
}
