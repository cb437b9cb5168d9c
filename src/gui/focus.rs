//! A keyboard focus stop with a visible ring, for controls iced 0.14 leaves
//! out of the Tab order (buttons, checkboxes).
//!
//! iced's text fields take focus; its buttons and checkboxes do not, so a
//! person without a mouse could not reach the "amount and payee" checkbox or
//! a Back button. [`Focus`] wraps any such control: it joins the same focus
//! chain as the text fields (iced's `focus_next`/`focus_previous` operations
//! see it as focusable), Enter or Space while it is focused sends its message,
//! and it draws a ring in the theme's primary colour while focused. A mouse
//! press anywhere takes the ring away again, as desktop toolkits do.

use iced::advanced::widget::operation::Focusable;
use iced::advanced::widget::{Id, Operation, Tree, tree};
use iced::advanced::{Clipboard, Layout, Shell, Widget, layout, mouse, overlay, renderer};
use iced::keyboard::{self, key::Named};
use iced::{Border, Color, Element, Event, Length, Rectangle, Renderer, Size, Theme, Vector};

/// Wraps `content` as a focus stop that sends `on_activate` on Enter or
/// Space (nothing while `None`, and it is then skipped by Tab).
pub fn focus<'a, Message: Clone + 'a>(
    id: &'static str,
    content: impl Into<Element<'a, Message, Theme, Renderer>>,
    on_activate: Option<Message>,
) -> Element<'a, Message, Theme, Renderer> {
    Element::new(Focus {
        id: Id::new(id),
        content: content.into(),
        on_activate,
    })
}

struct Focus<'a, Message> {
    id: Id,
    content: Element<'a, Message, Theme, Renderer>,
    on_activate: Option<Message>,
}

#[derive(Default)]
struct State {
    focused: bool,
}

impl Focusable for State {
    fn is_focused(&self) -> bool {
        self.focused
    }

    fn focus(&mut self) {
        self.focused = true;
    }

    fn unfocus(&mut self) {
        self.focused = false;
    }
}

/// How far the ring sits outside the control, in logical pixels.
const RING_GAP: f32 = 3.0;

impl<Message: Clone> Widget<Message, Theme, Renderer> for Focus<'_, Message> {
    fn tag(&self) -> tree::Tag {
        tree::Tag::of::<State>()
    }

    fn state(&self) -> tree::State {
        tree::State::new(State::default())
    }

    fn children(&self) -> Vec<Tree> {
        vec![Tree::new(&self.content)]
    }

    fn diff(&self, tree: &mut Tree) {
        tree.diff_children(std::slice::from_ref(&self.content));
    }

    fn size(&self) -> Size<Length> {
        self.content.as_widget().size()
    }

    fn layout(
        &mut self,
        tree: &mut Tree,
        renderer: &Renderer,
        limits: &layout::Limits,
    ) -> layout::Node {
        self.content
            .as_widget_mut()
            .layout(&mut tree.children[0], renderer, limits)
    }

    fn operate(
        &mut self,
        tree: &mut Tree,
        layout: Layout<'_>,
        renderer: &Renderer,
        operation: &mut dyn Operation,
    ) {
        let state = tree.state.downcast_mut::<State>();
        if self.on_activate.is_some() {
            operation.focusable(Some(&self.id), layout.bounds(), state);
        } else {
            state.focused = false;
        }
        self.content
            .as_widget_mut()
            .operate(&mut tree.children[0], layout, renderer, operation);
    }

    fn update(
        &mut self,
        tree: &mut Tree,
        event: &Event,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        renderer: &Renderer,
        clipboard: &mut dyn Clipboard,
        shell: &mut Shell<'_, Message>,
        viewport: &Rectangle,
    ) {
        let state = tree.state.downcast_mut::<State>();
        match event {
            Event::Keyboard(keyboard::Event::KeyPressed { key, .. }) if state.focused => {
                let activates = matches!(key, keyboard::Key::Named(Named::Enter | Named::Space))
                    || matches!(key, keyboard::Key::Character(c) if c.as_str() == " ");
                if activates && let Some(message) = &self.on_activate {
                    shell.publish(message.clone());
                    shell.capture_event();
                    return;
                }
            }
            Event::Mouse(mouse::Event::ButtonPressed(_)) if state.focused => {
                state.focused = false;
                shell.request_redraw();
            }
            _ => {}
        }
        self.content.as_widget_mut().update(
            &mut tree.children[0],
            event,
            layout,
            cursor,
            renderer,
            clipboard,
            shell,
            viewport,
        );
    }

    fn mouse_interaction(
        &self,
        tree: &Tree,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        viewport: &Rectangle,
        renderer: &Renderer,
    ) -> mouse::Interaction {
        self.content.as_widget().mouse_interaction(
            &tree.children[0],
            layout,
            cursor,
            viewport,
            renderer,
        )
    }

    fn draw(
        &self,
        tree: &Tree,
        renderer: &mut Renderer,
        theme: &Theme,
        style: &renderer::Style,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        viewport: &Rectangle,
    ) {
        self.content.as_widget().draw(
            &tree.children[0],
            renderer,
            theme,
            style,
            layout,
            cursor,
            viewport,
        );
        if tree.state.downcast_ref::<State>().focused {
            let bounds = layout.bounds().expand(RING_GAP);
            <Renderer as renderer::Renderer>::fill_quad(
                renderer,
                renderer::Quad {
                    bounds,
                    border: Border {
                        color: theme.extended_palette().primary.strong.color,
                        width: 2.0,
                        radius: 6.0.into(),
                    },
                    ..renderer::Quad::default()
                },
                Color::TRANSPARENT,
            );
        }
    }

    fn overlay<'b>(
        &'b mut self,
        tree: &'b mut Tree,
        layout: Layout<'b>,
        renderer: &Renderer,
        viewport: &Rectangle,
        translation: Vector,
    ) -> Option<overlay::Element<'b, Message, Theme, Renderer>> {
        self.content.as_widget_mut().overlay(
            &mut tree.children[0],
            layout,
            renderer,
            viewport,
            translation,
        )
    }
}
