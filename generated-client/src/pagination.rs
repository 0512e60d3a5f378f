//! Cursor pagination: the protocol logic shared by every paginated operation.
//! Which fields hold the items, the cursor and the has-more flag comes from
//! the spec's `x-avara-pagination` extension, through the generated `pages()`
//! and `stream()` methods of each such operation's builder.

use std::collections::{HashSet, VecDeque};
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
/// already gave, which would otherwise loop forever (see [`CursorGuard`]).
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
    let state = (fetch, Next::Fetch(None), CursorGuard::default());
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
                Some(cursor) if !seen.admit(&cursor) => {
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

/// Catches a server that sends the pager round in a loop of cursors, in
/// bounded memory whatever the number of pages.
///
/// A cursor equal to one of the last [`CursorGuard::WINDOW`] cursors is a
/// repeat at once (`A → A`, `A → B → A`, ...). A longer loop is caught by
/// Brent's cycle detection on a checkpoint cursor (moved at steps 1, 2, 4,
/// 8, ...), within about twice the loop's length in pages; the pages of the
/// loop's first round then reach the caller again before the error.
#[derive(Debug, Default)]
pub struct CursorGuard {
    recent: VecDeque<String>,
    recent_set: HashSet<String>,
    checkpoint: Option<String>,
    steps: u64,
    power: u64,
}

impl CursorGuard {
    /// How many of the latest cursors are remembered exactly.
    pub const WINDOW: usize = 256;

    /// Records `cursor`; `false` when it is a repeat.
    pub fn admit(&mut self, cursor: &str) -> bool {
        if self.recent_set.contains(cursor) || self.checkpoint.as_deref() == Some(cursor) {
            return false;
        }
        if self.recent.len() == Self::WINDOW
            && let Some(oldest) = self.recent.pop_front()
        {
            self.recent_set.remove(&oldest);
        }
        self.recent.push_back(cursor.to_string());
        self.recent_set.insert(cursor.to_string());
        self.steps += 1;
        if self.steps >= self.power.max(1) {
            self.checkpoint = Some(cursor.to_string());
            self.power = self.power.max(1) * 2;
            self.steps = 0;
        }
        true
    }

    /// How many cursors are held (at most `WINDOW + 1`).
    pub fn held(&self) -> usize {
        self.recent.len() + usize::from(self.checkpoint.is_some())
    }
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

#[cfg(test)]
mod tests {
    use super::CursorGuard;

    /// Feeds `cursors` to a guard; the index of the first refused one.
    fn first_repeat(cursors: impl IntoIterator<Item = String>) -> Option<usize> {
        let mut guard = CursorGuard::default();
        let mut index = None;
        for (i, cursor) in cursors.into_iter().enumerate() {
            if !guard.admit(&cursor) {
                index = Some(i);
                break;
            }
            assert!(guard.held() <= CursorGuard::WINDOW + 1);
        }
        index
    }

    #[test]
    fn short_loops_are_caught_at_the_first_repeat() {
        let cycle = |len: usize| (0..).map(move |i| format!("c{}", i % len));
        assert_eq!(first_repeat(cycle(1).take(10)), Some(1));
        assert_eq!(first_repeat(cycle(2).take(10)), Some(2));
        assert_eq!(first_repeat(cycle(3).take(10)), Some(3));
        assert_eq!(
            first_repeat(cycle(CursorGuard::WINDOW).take(1000)),
            Some(CursorGuard::WINDOW)
        );
    }

    #[test]
    fn long_loops_are_caught_in_bounded_memory() {
        for len in [CursorGuard::WINDOW + 1, 1000, 5000] {
            let lead_in = (0..37).map(|i| format!("lead{i}"));
            let cycle = (0..).map(|i| format!("c{}", i % len));
            let found = first_repeat(lead_in.chain(cycle).take(100 * len))
                .unwrap_or_else(|| panic!("a loop of {len} cursors is caught"));
            assert!(found <= 37 + 3 * len, "{len}: caught at {found}");
        }
    }

    #[test]
    fn distinct_cursors_are_never_refused() {
        assert_eq!(first_repeat((0..100_000).map(|i| format!("c{i}"))), None);
    }
}
