//! Host-side work shared between threads, for both backends.

/// `(0..n).map(f)`, computed by up to `threads` threads in contiguous chunks.
pub(crate) fn map_in_parallel<T: Send>(
    n: usize,
    threads: usize,
    f: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    map_items_in_parallel((0..n).collect(), threads, f)
}

/// `items.into_iter().map(f)`, computed by up to `threads` threads in contiguous chunks
/// (so each item, a `&mut` slice for instance, moves to the thread that maps it).
pub(crate) fn map_items_in_parallel<I: Send, T: Send>(
    items: Vec<I>,
    threads: usize,
    f: impl Fn(I) -> T + Sync,
) -> Vec<T> {
    let n = items.len();
    let threads = threads.clamp(1, n.max(1));
    if threads == 1 {
        return items.into_iter().map(f).collect();
    }
    let f = &f;
    let mut items = items.into_iter();
    std::thread::scope(|scope| {
        let chunks: Vec<_> = (0..threads)
            .map(|t| {
                let chunk: Vec<I> = items
                    .by_ref()
                    .take(n * (t + 1) / threads - n * t / threads)
                    .collect();
                scope.spawn(move || chunk.into_iter().map(f).collect::<Vec<T>>())
            })
            .collect();
        chunks
            .into_iter()
            .flat_map(|c| c.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}
