//! Indices grouped by a key: a replication's records by execution, its
//! executions by pipeline.

/// Indices grouped by a key, each group in index order (`groups[key]` is
/// a slice): a counting sort into one flat array, reusing its buffers (no
/// allocation once they are large enough).
#[derive(Debug, Clone, Default)]
pub struct Groups<T> {
    start: Vec<u32>,
    next: Vec<u32>,
    idx: Vec<T>,
}

impl<T: Copy + Default> Groups<T> {
    /// Groups `0..keys.len()` by key into `groups` groups (every key below
    /// it), each index given as `id(i)`.
    pub fn group(
        &mut self,
        groups: usize,
        keys: impl Iterator<Item = usize> + Clone,
        id: impl Fn(usize) -> T,
    ) {
        self.start.clear();
        self.start.resize(groups + 1, 0);
        for k in keys.clone() {
            self.start[k + 1] += 1;
        }
        for i in 1..self.start.len() {
            self.start[i] += self.start[i - 1];
        }
        self.next.clear();
        self.next.extend_from_slice(&self.start);
        self.idx.clear();
        self.idx.resize(self.start[groups] as usize, T::default());
        for (i, k) in keys.enumerate() {
            let slot = &mut self.next[k];
            self.idx[*slot as usize] = id(i);
            *slot += 1;
        }
    }

    /// Empties the grouping (no groups) and hands out its flat array's
    /// buffer, cleared, for other use until [`Groups::adopt`] gives one back.
    pub fn take_buffer(&mut self) -> Vec<T> {
        self.start.clear();
        let mut buf = std::mem::take(&mut self.idx);
        buf.clear();
        buf
    }

    /// Takes `buf` as the flat array's buffer for the next [`Groups::group`]
    /// (its contents are discarded then), dropping the one it had.
    pub fn adopt(&mut self, buf: Vec<T>) {
        self.idx = buf;
    }

    /// The indices of each group in turn.
    pub fn iter(&self) -> impl Iterator<Item = &[T]> {
        self.start
            .windows(2)
            .map(|w| &self.idx[w[0] as usize..w[1] as usize])
    }
}

impl<T> std::ops::Index<usize> for Groups<T> {
    type Output = [T];
    fn index(&self, key: usize) -> &[T] {
        &self.idx[self.start[key] as usize..self.start[key + 1] as usize]
    }
}
