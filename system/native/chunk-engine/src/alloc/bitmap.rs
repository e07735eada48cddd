//! A 256-bit set, one bit per slot of a group (3FS's GroupState: 4 x u64).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bitmap256([u64; 4]);

impl Bitmap256 {
    pub const BITS: u32 = 256;

    pub fn full() -> Bitmap256 {
        Bitmap256([u64::MAX; 4])
    }

    pub fn get(&self, bit: u32) -> bool {
        debug_assert!(bit < Self::BITS);
        self.0[(bit / 64) as usize] & (1 << (bit % 64)) != 0
    }

    pub fn set(&mut self, bit: u32) {
        debug_assert!(bit < Self::BITS);
        self.0[(bit / 64) as usize] |= 1 << (bit % 64);
    }

    pub fn clear(&mut self, bit: u32) {
        debug_assert!(bit < Self::BITS);
        self.0[(bit / 64) as usize] &= !(1 << (bit % 64));
    }

    pub fn set_range(&mut self, start: u32, count: u32) {
        for bit in start..start + count {
            self.set(bit);
        }
    }

    pub fn count(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    pub fn and_not(&self, other: &Bitmap256) -> Bitmap256 {
        Bitmap256([
            self.0[0] & !other.0[0],
            self.0[1] & !other.0[1],
            self.0[2] & !other.0[2],
            self.0[3] & !other.0[3],
        ])
    }

    pub fn not(&self) -> Bitmap256 {
        Bitmap256::full().and_not(self)
    }

    /// Lowest set bit, by count-trailing-zeros on each word.
    pub fn first_set(&self) -> Option<u32> {
        self.0.iter().enumerate().find(|(_, w)| **w != 0).map(|(i, w)| i as u32 * 64 + w.trailing_zeros())
    }

    /// Maximal runs of set bits as (start, length), in order.
    pub fn runs(&self) -> Vec<(u32, u32)> {
        let mut runs = Vec::new();
        let mut bit = 0;
        while bit < Self::BITS {
            if self.get(bit) {
                let start = bit;
                while bit < Self::BITS && self.get(bit) {
                    bit += 1;
                }
                runs.push((start, bit - start));
            } else {
                bit += 1;
            }
        }
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_clear_count() {
        let mut b = Bitmap256::default();
        assert!(b.is_empty());
        for bit in [0, 63, 64, 200, 255] {
            b.set(bit);
        }
        assert_eq!(b.count(), 5);
        assert!(b.get(63) && b.get(64) && !b.get(65));
        b.clear(63);
        assert_eq!(b.count(), 4);
        assert_eq!(b.first_set(), Some(0));
        b.clear(0);
        assert_eq!(b.first_set(), Some(64));
    }

    #[test]
    fn complement_and_runs() {
        let mut b = Bitmap256::default();
        b.set_range(3, 4);
        b.set_range(100, 1);
        b.set(255);
        assert_eq!(b.runs(), vec![(3, 4), (100, 1), (255, 1)]);
        assert_eq!(b.not().count(), 256 - 6);
        assert_eq!(b.not().first_set(), Some(0));
        assert_eq!(Bitmap256::full().not().first_set(), None);
        assert_eq!(Bitmap256::full().and_not(&b).count(), 250);
    }
}
