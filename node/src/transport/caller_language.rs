//! The language of the person behind an Operator API call, for the refusals the node writes
//! them.
//!
//! The CLI sends the reader's language as `accept-language` metadata on every call.
//! [`CallerLanguageLayer`] reads it before the handler runs and keeps it for the call's
//! duration (a task-local value), so `status` renders its refusals in it without every handler
//! passing it along. Calls without it, and the federation port, which never has this layer,
//! get English: peer-to-peer statuses are protocol, read by another country's software.
//! Errors a streaming call yields after its handler returned are English too.

use std::task::{Context, Poll};

use tokio::task::futures::TaskLocalFuture;
use tonic::codegen::http;

use crate::locale::Language;

/// The metadata key the CLI sends its reader's language in (HTTP's `Accept-Language`).
pub const ACCEPT_LANGUAGE: &str = "accept-language";

tokio::task_local! {
    static LANGUAGE: Language;
}

/// The language of the call being handled; English outside an Operator API call.
pub fn current() -> Language {
    LANGUAGE
        .try_with(|language| *language)
        .unwrap_or(Language::English)
}

/// The first language of an `Accept-Language` value that has catalogs (`ru`,
/// `ru-RU, en;q=0.5`); English if none has.
pub fn from_header(value: &str) -> Language {
    value
        .split(',')
        .filter_map(|item| item.split(';').next())
        .find_map(Language::from_tag)
        .unwrap_or(Language::English)
}

/// The client's side: adds `accept-language` with the reader's language to every call.
#[derive(Debug, Clone, Copy)]
pub struct AcceptLanguage(pub Language);

impl tonic::service::Interceptor for AcceptLanguage {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Ok(value) = self.0.code().parse() {
            request.metadata_mut().insert(ACCEPT_LANGUAGE, value);
        }
        Ok(request)
    }
}

/// Sets each Operator API call's language from its `accept-language` metadata.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallerLanguageLayer;

impl<S> tower::Layer<S> for CallerLanguageLayer {
    type Service = CallerLanguage<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CallerLanguage { inner }
    }
}

/// See [`CallerLanguageLayer`].
#[derive(Debug, Clone)]
pub struct CallerLanguage<S> {
    inner: S,
}

impl<S, B> tower::Service<http::Request<B>> for CallerLanguage<S>
where
    S: tower::Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = TaskLocalFuture<Language, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let language = request
            .headers()
            .get(ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .map_or(Language::English, from_header);
        LANGUAGE.scope(language, self.inner.call(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_language_with_catalogs_is_taken() {
        assert_eq!(from_header("ru"), Language::Russian);
        assert_eq!(from_header("ru-RU, en;q=0.5"), Language::Russian);
        assert_eq!(from_header("de-DE, ru;q=0.8"), Language::Russian);
        assert_eq!(from_header("de"), Language::English);
        assert_eq!(from_header(""), Language::English);
    }

    #[tokio::test]
    async fn outside_a_call_the_language_is_english() {
        assert_eq!(current(), Language::English);
        let inside = LANGUAGE.scope(Language::Russian, async { current() }).await;
        assert_eq!(inside, Language::Russian);
    }
}
