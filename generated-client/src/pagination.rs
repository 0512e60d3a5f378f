//! Cursor pagination: the protocol logic shared by every paginated operation.
//! Which fields hold the items, the cursor and the has-more flag comes from
//! the spec's `x-avara-pagination` extension, through the generated `pages()`
//! and `stream()` methods of each such operation's builder.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;

use futures::Stream;
use futures::stream::{self, StreamExt};

use crate::{Error, ErrorKind};

/// A stream of whole pages.
pub type PageStream<'a, P> = Pin<Box<dyn Stream<Item = Result<P, Error>> + Send + 'a>>;

/// A stream of the items of every page, one page held at a time.
pub type ItemStream<'a, T> = Pin<Box<dyn Stream<Item = Result<T, Error>> + Send + 'a>>;

/// What the pager needs to know of a page to decide what comes next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageInfo {
    /// The page's has-more flag.
    pub has_more: bool,
    /// The cursor of the next page, if the page has one.
    pub next_cursor: Option<String>,
    /// How many items the page holds.
    pub len: usize,
}

enum Next {
    Fetch(Option<String>),
    Fail(Error),
    Done,
}

/// Pages of a cursor-paginated operation. `fetch(cursor)` requests one page
/// (`None`: the first page, with the caller's own parameters); `info` reads a
/// page's has-more flag, next cursor and length.
///
/// Ends after a page with `has_more == false`, an empty page, or a page with
/// no cursor; yields an error and ends when the server hands back a cursor it
/// already gave, which would otherwise loop forever.
pub fn cursor_pages<'a, P, F, Fut>(
    operation: &'static str,
    fetch: F,
    info: fn(&P) -> PageInfo,
) -> PageStream<'a, P>
where
    P: Send + 'a,
    F: FnMut(Option<String>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<P, Error>> + Send + 'a,
{
    let state = (fetch, Next::Fetch(None), HashSet::<String>::new());
    Box::pin(stream::unfold(
        state,
        move |(mut fetch, next, mut seen)| async move {
            let cursor = match next {
                Next::Fetch(cursor) => cursor,
                Next::Fail(error) => return Some((Err(error), (fetch, Next::Done, seen))),
                Next::Done => return None,
            };
            let page = match fetch(cursor).await {
                Ok(page) => page,
                Err(error) => return Some((Err(error), (fetch, Next::Done, seen))),
            };
            let PageInfo {
                has_more,
                next_cursor,
                len,
            } = info(&page);
            let next = match next_cursor.filter(|c| !c.is_empty()) {
                _ if !has_more || len == 0 => Next::Done,
                None => Next::Done,
                Some(cursor) if !seen.insert(cursor.clone()) => {
                    let mut error = Error::new(
                        ErrorKind::InvalidResponse,
                        format!(
                            "the server returned the cursor {cursor:?} a second time; stopping instead of paging in a loop"
                        ),
                    );
                    error.inner.operation = Some(operation);
                    Next::Fail(error)
                }
                Some(cursor) => Next::Fetch(Some(cursor)),
            };
            tracing::debug!(operation, items = len, has_more, "page received");
            Some((Ok(page), (fetch, next, seen)))
        },
    ))
}

/// The items of every page of `pages`, taking the next page only when the
/// current one is used up.
pub fn items<'a, P, T>(pages: PageStream<'a, P>, into_items: fn(P) -> Vec<T>) -> ItemStream<'a, T>
where
    P: Send + 'a,
    T: Send + 'a,
{
    Box::pin(
        pages
            .map(move |page| match page {
                Ok(page) => stream::iter(into_items(page).into_iter().map(Ok)).left_stream(),
                Err(error) => stream::iter(std::iter::once(Err(error))).right_stream(),
            })
            .flatten(),
    )
}
