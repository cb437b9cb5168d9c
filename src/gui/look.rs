//! How the window looks: the embedded font, the icon, the theme choice and
//! the few sizes every screen shares.
//!
//! The font is embedded because the app must render Latin, Cyrillic and the
//! Kazakh letters (ә ғ қ ң ө ұ ү һ і) on any machine, including ones with no
//! fonts installed; DejaVu Sans covers all three (licence next to it in
//! `assets/fonts/`). Sizes are in logical pixels, so the window scales with
//! the desktop's scale factor (1.5x included) without layout changes.

use iced::{Font, Size, Theme, font, window};

/// DejaVu Sans, regular.
pub const FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans, bold (headings and the response).
pub const FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
/// The family name inside both font files.
pub const FONT: Font = Font::with_name("DejaVu Sans");
/// The bold face of [`FONT`].
pub const FONT_BOLD_FACE: Font = Font {
    weight: font::Weight::Bold,
    ..FONT
};

/// Body text size.
pub const TEXT: f32 = 16.0;
/// Screen headings.
pub const HEADING: f32 = 26.0;
/// The signature value: large enough to copy by eye from across a desk.
pub const RESPONSE: f32 = 48.0;
/// Space between blocks on a screen.
pub const GAP: f32 = 16.0;
/// Space between buttons in a row.
pub const BUTTON_GAP: f32 = 12.0;
/// Widest a screen's content column grows, so lines stay readable.
pub const COLUMN_MAX: f32 = 600.0;
/// Space around a screen's content column.
pub const PAGE_PAD_X: f32 = 32.0;
/// Space above and below a screen's content column.
pub const PAGE_PAD_Y: f32 = 24.0;
/// Width of the amount field (`9 999 999 999,99` fits).
pub const AMOUNT_FIELD: f32 = 200.0;
/// Space between two fields side by side.
pub const FIELD_GAP: f32 = 16.0;
/// Width of a field holding a whole IBAN (`KZ86 125K ZT50 0410 0100`, 24
/// characters at the field's size) with room to spare.
pub const WIDE_FIELD: f32 = 380.0;

/// The size the window asks for first; [`window_size_for`] fits it to the
/// screen once the screen is known. Small enough for a 1280x720 screen
/// (logical pixels: also 2560x1440 at 200% and 1920x1080 at 150%).
pub const WINDOW_SIZE: Size = Size::new(720.0, 620.0);
/// The most the window grows to on a large screen.
pub const WINDOW_MAX: Size = Size::new(760.0, 760.0);
/// The smallest window every screen still works in (scrolling beyond it).
pub const WINDOW_MIN: Size = Size::new(440.0, 400.0);

/// The window size for a screen of `monitor` logical pixels: as large as
/// [`WINDOW_MAX`], but never more than 90% of the screen's width or 85% of
/// its height (leaving room for panels and the title bar: 612 of 720).
pub fn window_size_for(monitor: Size) -> Size {
    let fit = |most: f32, share: f32, least: f32| (share.floor()).min(most).max(least);
    Size::new(
        fit(WINDOW_MAX.width, monitor.width * 0.9, WINDOW_MIN.width),
        fit(WINDOW_MAX.height, monitor.height * 0.85, WINDOW_MIN.height),
    )
}

/// The app id: the Wayland app id and X11 window class, matching the
/// packaging's `.desktop` file (`StartupWMClass`).
pub const APP_ID: &str = "org.mobipass.MobiPass";

const ICON_PNG: &[u8] = include_bytes!("../../assets/icons/mobipass-64.png");

/// Light, dark, or whatever the desktop uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeChoice {
    /// Follow the system's light/dark setting (iced asks the desktop).
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl ThemeChoice {
    /// Every choice, in the order the switch shows them.
    pub const ALL: [ThemeChoice; 3] = [ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark];

    /// The theme to use; `None` lets iced follow the system.
    pub fn theme(self) -> Option<Theme> {
        match self {
            ThemeChoice::System => None,
            ThemeChoice::Light => Some(Theme::Light),
            ThemeChoice::Dark => Some(Theme::Dark),
        }
    }

    /// The message id of its label.
    pub fn label_id(self) -> &'static str {
        match self {
            ThemeChoice::System => "theme-system",
            ThemeChoice::Light => "theme-light",
            ThemeChoice::Dark => "theme-dark",
        }
    }
}

/// The window icon decoded from the embedded PNG; `None` (no icon, never a
/// crash) if it cannot be decoded.
pub fn icon() -> Option<window::Icon> {
    let decoder = png::Decoder::new(std::io::Cursor::new(ICON_PNG));
    let mut reader = decoder.read_info().ok()?;
    let mut rgba = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut rgba).ok()?;
    if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
        return None;
    }
    rgba.truncate(info.buffer_size());
    window::icon::from_rgba(rgba, info.width, info.height).ok()
}

/// The window settings: size, minimum size, icon and app id.
pub fn window_settings() -> window::Settings {
    window::Settings {
        size: WINDOW_SIZE,
        min_size: Some(WINDOW_MIN),
        resizable: true,
        icon: icon(),
        #[cfg(target_os = "linux")]
        platform_specific: window::settings::PlatformSpecific {
            application_id: APP_ID.to_owned(),
            ..Default::default()
        },
        ..window::Settings::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_icon_decodes() {
        assert!(icon().is_some());
    }

    #[test]
    fn the_window_fits_small_and_scaled_screens() {
        // 1280x720 at 100%, 1920x1080 at 150% and 2560x1440 at 200% are all
        // 1280x720 logical pixels.
        let small = window_size_for(Size::new(1280.0, 720.0));
        assert!(
            small.height <= 720.0 - 100.0 && small.width <= 1280.0,
            "{small:?}"
        );
        let first = WINDOW_SIZE;
        assert!(first.height <= 720.0 - 80.0, "the first size fits too");
        let large = window_size_for(Size::new(2560.0, 1600.0));
        assert_eq!(large, WINDOW_MAX);
        let tiny = window_size_for(Size::new(400.0, 300.0));
        assert_eq!(tiny, WINDOW_MIN, "never below the minimum");
    }

    #[test]
    fn system_choice_lets_iced_follow_the_desktop() {
        assert_eq!(ThemeChoice::System.theme(), None);
        assert_eq!(ThemeChoice::Dark.theme(), Some(Theme::Dark));
    }
}
