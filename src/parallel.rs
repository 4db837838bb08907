//! Host-side work shared between threads, for both backends.

/// `(0..n).map(f)`, computed by up to `threads` threads in contiguous chunks.
pub(crate) fn map_in_parallel<T: Send>(
    n: usize,
    threads: usize,
    f: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let threads = threads.clamp(1, n.max(1));
    if threads == 1 {
        return (0..n).map(f).collect();
    }
    let f = &f;
    std::thread::scope(|scope| {
        let chunks: Vec<_> = (0..threads)
            .map(|t| {
                let range = n * t / threads..n * (t + 1) / threads;
                scope.spawn(move || range.map(f).collect::<Vec<T>>())
            })
            .collect();
        chunks
            .into_iter()
            .flat_map(|c| c.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}
