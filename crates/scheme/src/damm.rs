//! The Damm check digit (H. M. Damm, 2004), used on every activation-key part.
//!
//! Damm catches every single-digit error and every swap of two neighbouring
//! digits, which are the two mistakes people make copying digits from paper.

/// The totally anti-symmetric quasigroup of order 10 from Damm's thesis.
const TABLE: [[u8; 10]; 10] = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

/// Runs the quasigroup over decimal digit values (0..=9). The result is the
/// check digit of `digits`, and is 0 exactly when `digits` ends in a valid one.
pub(crate) fn interim(digits: impl IntoIterator<Item = u8>) -> u8 {
    digits
        .into_iter()
        .fold(0, |acc, d| TABLE[acc as usize][d as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_example() {
        // Wikipedia's worked example: 572 has check digit 4.
        assert_eq!(interim([5, 7, 2]), 4);
        assert_eq!(interim([5, 7, 2, 4]), 0);
    }
}
