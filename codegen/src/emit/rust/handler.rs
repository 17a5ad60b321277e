//! `handler.rs`: the `Handler` trait (one method per event type) and `dispatch`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{docs, event_cfgs, ident, payload_uses};
use crate::model::Catalogue;
use crate::names::{escape_keyword, snake_case};

pub(super) fn module(catalogue: &Catalogue) -> TokenStream {
    let payload_uses = payload_uses(catalogue);
    let cfgs = event_cfgs(catalogue);
    let methods = catalogue.events.iter().zip(&cfgs).map(|(event, cfg)| {
        let method = ident(&event.method);
        let schema = ident(&event.schema);
        let param = ident(&escape_keyword(snake_case(&event.schema)));
        let doc = docs(
            &event.name,
            &[format!("Called for `{}`. Does nothing unless implemented.", event.event_type)],
        );
        quote! {
            #doc
            #cfg
            fn #method(
                &self,
                delivery: &Delivery<'_>,
                #param: &#schema,
            ) -> impl Future<Output = Result<(), HandlerError>> + Send {
                let _ = (delivery, #param);
                async { Ok(()) }
            }
        }
    });
    let arms = catalogue.events.iter().zip(&cfgs).map(|(event, cfg)| {
        let variant = ident(&event.variant);
        let method = ident(&event.method);
        quote! { #cfg Event::#variant(data) => handler.#method(&delivery, data).await, }
    });
    quote! {
        //! The [`Handler`] trait (one method per event type) and [`dispatch`].

        use crate::runtime::{Delivery, HandlerError, UnknownEvent, Unreadable, UnreadableAction};
        use super::event::Event;
        #payload_uses

        /// 웹훅 처리기 — Handles webhooks, one method per event type.
        ///
        /// Implement the methods for the events you care about; every method has a default body
        /// that does nothing and succeeds. [`dispatch`] calls the method that matches a
        /// delivery's event, with the [`Delivery`] (the parsed webhook, and a receiver's key and
        /// attempt number) and the typed payload. The futures are `Send`, so a `Handler` runs on
        /// a multi-threaded runtime.
        ///
        /// An error returned from a method is handed back by [`dispatch`]; a receiver answers
        /// StepPay with a server error so that the delivery is retried.
        ///
        /// The methods of a domain whose Cargo feature is off are compiled out; its events reach
        /// [`Handler::unknown_event`].
        pub trait Handler: Sync {
            #(#methods)*

            /// 알 수 없는 이벤트 — Called for an event type this version of the crate does not know,
            /// or whose domain's Cargo feature is off. Does nothing unless implemented.
            fn unknown_event(
                &self,
                delivery: &Delivery<'_>,
                event: &UnknownEvent,
            ) -> impl Future<Output = Result<(), HandlerError>> + Send {
                let _ = (delivery, event);
                async { Ok(()) }
            }

            /// 읽을 수 없는 배달 — Called by a receiver for a delivery whose signature verified but
            /// whose body this version of the crate cannot read (a value of an unexpected type, an
            /// unknown API version, a body that is not JSON), instead of refusing it: StepPay
            /// signed it, so the catalogue is what is behind.
            ///
            /// The default keeps it for replay ([`UnreadableAction::Quarantine`]); see
            /// [`UnreadableAction`] for the others.
            fn unreadable(
                &self,
                delivery: &Unreadable<'_>,
            ) -> impl Future<Output = UnreadableAction> + Send {
                let _ = delivery;
                async { UnreadableAction::Quarantine }
            }
        }

        /// Calls the [`Handler`] method that matches the delivery's event, with its payload.
        ///
        /// `delivery` is a [`Delivery`], or a `&Webhook` of your own (attempt 1, no key).
        ///
        /// # Errors
        ///
        /// Whatever the handler method returns.
        pub async fn dispatch<'a, H: Handler + ?Sized>(
            handler: &H,
            delivery: impl Into<Delivery<'a>>,
        ) -> Result<(), HandlerError> {
            let delivery = delivery.into();
            match &delivery.webhook.event {
                #(#arms)*
                Event::Unknown(event) => handler.unknown_event(&delivery, event).await,
            }
        }
    }
}
