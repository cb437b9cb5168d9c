//! A headless window for the tests: the app's real widget tree, built from
//! `App::view` with iced's own `UserInterface` on the tiny-skia renderer and
//! kept in a cache between frames as iced's runtime keeps it, so focus and
//! scroll positions survive from one key press to the next.

use iced_test::core::widget::operation::{Focusable, Outcome, Scrollable};
use iced_test::core::widget::{Id, Operation};
use iced_test::core::{Event, Pixels, Rectangle, Size, Vector, clipboard, keyboard, mouse};
use iced_test::renderer::Renderer;
use iced_test::runtime::{UserInterface, user_interface};
use mobipass::gui::{App, Message, key_message, look};

pub struct Window {
    renderer: Renderer,
    cache: Option<user_interface::Cache>,
    size: Size,
}

impl Window {
    pub fn new() -> Window {
        use iced_test::core::renderer::Headless;
        for font in [look::FONT_REGULAR, look::FONT_BOLD] {
            iced_test::renderer::graphics::text::font_system()
                .write()
                .unwrap()
                .load_font(font.into());
        }
        let renderer = iced_test::futures::futures::executor::block_on(
            <Renderer as Headless>::new(look::FONT, Pixels(16.0), None),
        )
        .expect("a headless renderer");
        Window {
            renderer,
            cache: Some(user_interface::Cache::default()),
            size: look::WINDOW_SIZE,
        }
    }

    /// Builds this frame's interface, lets `f` use it, keeps its state.
    fn frame<T>(
        &mut self,
        app: &App,
        f: impl FnOnce(&mut UserInterface<'_, Message, iced::Theme, Renderer>, &mut Renderer) -> T,
    ) -> T {
        let cache = self.cache.take().unwrap_or_default();
        let mut ui = UserInterface::build(app.view(), self.size, cache, &mut self.renderer);
        let out = f(&mut ui, &mut self.renderer);
        self.cache = Some(ui.into_cache());
        out
    }

    /// Runs a widget operation as iced's runtime does, including the
    /// operations it chains (focus_next counts the focus stops first).
    pub fn run(&mut self, app: &App, operation: Box<dyn Operation>) {
        self.frame(app, |ui, renderer| {
            let mut next = Some(operation);
            while let Some(mut current) = next.take() {
                ui.operate(renderer, &mut current);
                if let Outcome::Chain(chained) = current.finish() {
                    next = Some(chained);
                }
            }
        });
    }

    fn operate(&mut self, app: &App, operation: &mut dyn Operation) {
        self.frame(app, |ui, renderer| ui.operate(renderer, operation));
    }

    /// The messages a key press produces: the widgets' first, then the
    /// app-wide handler's, which sees whether a widget took the key.
    pub fn press(
        &mut self,
        app: &App,
        key: keyboard::Key,
        text: Option<&str>,
        modifiers: keyboard::Modifiers,
    ) -> Vec<Message> {
        let event = Event::Keyboard(keyboard::Event::KeyPressed {
            key: key.clone(),
            modified_key: key.clone(),
            physical_key: keyboard::key::Physical::Unidentified(
                keyboard::key::NativeCode::Unidentified,
            ),
            location: keyboard::Location::Standard,
            modifiers,
            text: text.map(Into::into),
            repeat: false,
        });
        let mut messages = Vec::new();
        let statuses = self.frame(app, |ui, renderer| {
            let (_, statuses) = ui.update(
                std::slice::from_ref(&event),
                mouse::Cursor::Unavailable,
                renderer,
                &mut clipboard::Null,
                &mut messages,
            );
            statuses
        });
        let status = statuses
            .first()
            .copied()
            .unwrap_or(iced::event::Status::Ignored);
        messages.extend(key_message(&event, status));
        messages
    }

    pub fn focused(&mut self, app: &App) -> Option<Id> {
        let mut finder = FindFocused(None);
        self.operate(app, &mut finder);
        finder.0
    }

    pub fn scrolled(&mut self, app: &App) -> f32 {
        let mut finder = FindScroll(None);
        self.operate(app, &mut finder);
        finder.0.expect("the screen has a scrollable page")
    }
}

struct FindFocused(Option<Id>);

impl Operation for FindFocused {
    fn traverse(&mut self, operate: &mut dyn FnMut(&mut dyn Operation)) {
        operate(self);
    }

    fn focusable(&mut self, id: Option<&Id>, _bounds: Rectangle, state: &mut dyn Focusable) {
        if state.is_focused() {
            self.0 = id.cloned();
        }
    }
}

struct FindScroll(Option<f32>);

impl Operation for FindScroll {
    fn traverse(&mut self, operate: &mut dyn FnMut(&mut dyn Operation)) {
        operate(self);
    }

    fn scrollable(
        &mut self,
        _id: Option<&Id>,
        _bounds: Rectangle,
        _content_bounds: Rectangle,
        translation: Vector,
        _state: &mut dyn Scrollable,
    ) {
        self.0.get_or_insert(translation.y);
    }
}
