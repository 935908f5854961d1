//! A stable sort in a few dozen bytes of wasm, where std's `sort_by` costs
//! kilobytes for each element type. For the short lists the phone sorts: a
//! thread's records, a phone's threads, a report's deadlines.

/// Sorts `v` so that no element stands after one it is `less` than, keeping
/// equal elements in their order (as `sort_by` does). Quadratic: for lists
/// of a few hundred at most.
pub fn insertion_sort<T>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && less(&v[j], &v[j - 1]) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::insertion_sort;

    #[test]
    fn sorts_like_the_standard_stable_sort() {
        let input: Vec<(u8, usize)> = [5, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 0, 0, 9]
            .into_iter()
            .enumerate()
            .map(|(i, k)| (k, i))
            .collect();
        let mut ours = input.clone();
        insertion_sort(&mut ours, |a, b| a.0 < b.0);
        let mut std = input;
        std.sort_by_key(|p| p.0);
        assert_eq!(ours, std);
        let mut empty: Vec<u8> = Vec::new();
        insertion_sort(&mut empty, |a, b| a < b);
        assert!(empty.is_empty());
    }
}
