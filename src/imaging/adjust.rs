//! Display adjustments astronomers expect, applied to decoded pixels: a stretch (linear,
//! asinh, log), brightness, contrast, invert, and one channel at a time. Each channel's
//! transform is a 256-entry lookup table, so a 424x424 image takes well under a frame.

use super::Rgba;

/// How pixel values are mapped before brightness and contrast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stretch {
    Linear,
    /// asinh: lifts faint outskirts while keeping bright cores apart.
    Asinh,
    /// logarithmic: lifts faint structure strongly.
    Log,
}

/// Which channels to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    All,
    /// One channel as grey: 0 red (z band in Legacy Surveys composites), 1 green (r), 2 blue (g).
    Only(usize),
}

/// Display settings; `Default` shows the image as stored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adjust {
    pub stretch: Stretch,
    /// Added after the stretch, -1..1.
    pub brightness: f32,
    /// Scales around mid-grey, > 0.
    pub contrast: f32,
    pub invert: bool,
    pub channel: Channel,
}

impl Default for Adjust {
    fn default() -> Self {
        Adjust {
            stretch: Stretch::Linear,
            brightness: 0.0,
            contrast: 1.0,
            invert: false,
            channel: Channel::All,
        }
    }
}

/// Softening of the asinh stretch.
const ASINH_SOFTENING: f32 = 10.0;
/// Scale of the log stretch.
const LOG_SCALE: f32 = 100.0;

impl Adjust {
    /// Whether these settings change nothing.
    pub fn is_identity(&self) -> bool {
        *self == Adjust::default()
    }

    /// The lookup table: input byte → output byte.
    pub fn table(&self) -> [u8; 256] {
        let mut t = [0u8; 256];
        for (i, out) in t.iter_mut().enumerate() {
            let v = i as f32 / 255.0;
            let s = match self.stretch {
                Stretch::Linear => v,
                Stretch::Asinh => (ASINH_SOFTENING * v).asinh() / ASINH_SOFTENING.asinh(),
                Stretch::Log => (1.0 + LOG_SCALE * v).ln() / (1.0 + LOG_SCALE).ln(),
            };
            let mut x = (s - 0.5) * self.contrast.max(0.0) + 0.5 + self.brightness;
            x = x.clamp(0.0, 1.0);
            if self.invert {
                x = 1.0 - x;
            }
            *out = (x * 255.0).round() as u8;
        }
        t
    }

    /// Adjusted RGBA pixels (alpha kept).
    pub fn apply(&self, img: &Rgba) -> Vec<u8> {
        if self.is_identity() {
            return img.pixels.clone();
        }
        let t = self.table();
        let mut out = img.pixels.clone();
        for px in out.chunks_exact_mut(4) {
            match self.channel {
                Channel::All => {
                    for c in 0..3 {
                        px[c] = t[px[c] as usize];
                    }
                }
                Channel::Only(k) => {
                    let v = t[px[k.min(2)] as usize];
                    px[0] = v;
                    px[1] = v;
                    px[2] = v;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img() -> Rgba {
        Rgba {
            width: 2,
            height: 1,
            pixels: vec![0, 128, 255, 255, 10, 20, 30, 7],
        }
    }

    #[test]
    fn defaults_change_nothing_and_invert_inverts() {
        assert_eq!(Adjust::default().apply(&img()), img().pixels);
        let inv = Adjust {
            invert: true,
            ..Adjust::default()
        }
        .apply(&img());
        assert_eq!(inv, vec![255, 127, 0, 255, 245, 235, 225, 7], "alpha kept");
    }

    #[test]
    fn stretches_keep_ends_and_lift_faint_values() {
        for stretch in [Stretch::Linear, Stretch::Asinh, Stretch::Log] {
            let t = Adjust {
                stretch,
                ..Adjust::default()
            }
            .table();
            assert_eq!((t[0], t[255]), (0, 255), "{stretch:?}");
            assert!(
                t.windows(2).all(|w| w[0] <= w[1]),
                "{stretch:?} is monotone"
            );
        }
        let asinh = Adjust {
            stretch: Stretch::Asinh,
            ..Adjust::default()
        }
        .table();
        let log = Adjust {
            stretch: Stretch::Log,
            ..Adjust::default()
        }
        .table();
        assert!(
            asinh[20] > 50 && log[20] > asinh[20],
            "faint 20 → asinh {} log {}",
            asinh[20],
            log[20]
        );
    }

    #[test]
    fn brightness_contrast_and_single_channels() {
        let bright = Adjust {
            brightness: 0.2,
            ..Adjust::default()
        }
        .table();
        assert_eq!(bright[100], 151);
        let flat = Adjust {
            contrast: 0.0,
            ..Adjust::default()
        }
        .table();
        assert!(flat.iter().all(|&v| v == 128), "no contrast: mid-grey");
        let red = Adjust {
            channel: Channel::Only(0),
            ..Adjust::default()
        }
        .apply(&img());
        assert_eq!(red, vec![0, 0, 0, 255, 10, 10, 10, 7]);
        let blue = Adjust {
            channel: Channel::Only(2),
            ..Adjust::default()
        }
        .apply(&img());
        assert_eq!(&blue[..3], &[255, 255, 255]);
    }
}
