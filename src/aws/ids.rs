//! Typed identifiers of the AWS domain, and the interner that hands them out.
//!
//! An id is the index of its object in the vector that holds it (the
//! scenario's Regions, the directory's accounts, OUs and keys). Each kind is
//! its own type, so an account can never be passed where a Region is meant,
//! and there is no `as` between them: ids are made by [`Interner::intern`]
//! or [`Id::from_index`], read with `.index()`.

use std::collections::BTreeMap;

/// What every id type offers: to and from the index it stands for.
pub trait Id: Copy + Ord {
    /// The id of the object at `index`. Panics past the id's width, which
    /// resolution rules out (it refuses more objects than an id can name).
    fn from_index(index: usize) -> Self;
    /// The index of the object in its vector.
    fn index(self) -> usize;
}

/// Declares an id type over the unsigned integer `$repr` (the pipeline
/// layer declares its execution and record ids with it too).
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $crate::aws::ids::id_type!($(#[$doc])* $name, u16);
    };
    ($(#[$doc:meta])* $name:ident, $repr:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name($repr);

        impl $crate::aws::ids::Id for $name {
            #[inline]
            fn from_index(index: usize) -> Self {
                Self(<$repr>::try_from(index).expect(concat!(stringify!($name), " out of range")))
            }
            #[inline]
            fn index(self) -> usize {
                self.0 as usize
            }
        }

        // For typed-index vectors (`TiVec<$name, T>`).
        impl From<usize> for $name {
            #[inline]
            fn from(index: usize) -> Self {
                <Self as $crate::aws::ids::Id>::from_index(index)
            }
        }

        impl From<$name> for usize {
            #[inline]
            fn from(id: $name) -> usize {
                id.0 as usize
            }
        }

        impl $name {
            /// The id of the object at `index` (see [`crate::aws::ids::Id::from_index`]).
            #[inline]
            pub fn from_index(index: usize) -> Self {
                <Self as $crate::aws::ids::Id>::from_index(index)
            }
            /// The index of the object in its vector.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}
pub(crate) use id_type;

id_type!(
    /// A Region of the scenario: indexes `World::regions` and `Directory::regions`.
    RegionId
);
id_type!(
    /// An account: indexes `Directory::accounts`.
    AccountId
);
id_type!(
    /// An organizational unit: indexes `Organization::ous`.
    OuId
);
id_type!(
    /// A customer managed key: indexes `Directory::keys`.
    KeyId
);

/// Names to ids, in the order the names were first seen.
#[derive(Debug, Clone)]
pub struct Interner<I> {
    ids: BTreeMap<String, I>,
    names: Vec<String>,
}

impl<I: Id> Default for Interner<I> {
    fn default() -> Self {
        Self {
            ids: BTreeMap::new(),
            names: Vec::new(),
        }
    }
}

impl<I: Id> Interner<I> {
    /// The id of `name`, and whether it was new.
    pub fn intern(&mut self, name: &str) -> (I, bool) {
        if let Some(&id) = self.ids.get(name) {
            return (id, false);
        }
        let id = I::from_index(self.names.len());
        self.ids.insert(name.to_string(), id);
        self.names.push(name.to_string());
        (id, true)
    }

    /// The id of `name`, if it was interned.
    pub fn get(&self, name: &str) -> Option<I> {
        self.ids.get(name).copied()
    }

    /// The name of `id`.
    pub fn name(&self, id: I) -> &str {
        &self.names[id.index()]
    }

    /// Every name, in alphabetical order (for "declared …" hints).
    pub fn sorted_names(&self) -> impl Iterator<Item = &str> {
        self.ids.keys().map(String::as_str)
    }

    /// Every name, in id order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// How many names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// An AWS account ID as AWS writes it: 12 digits.
pub(crate) fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interner_numbers_names_in_first_seen_order() {
        let mut regions: Interner<RegionId> = Interner::default();
        assert_eq!(regions.intern("us-east-1"), (RegionId::from_index(0), true));
        assert_eq!(regions.intern("eu-west-1"), (RegionId::from_index(1), true));
        assert_eq!(
            regions.intern("us-east-1"),
            (RegionId::from_index(0), false)
        );
        assert_eq!(regions.get("eu-west-1").map(RegionId::index), Some(1));
        assert_eq!(regions.get("eu-west-9"), None);
        assert_eq!(regions.name(RegionId::from_index(1)), "eu-west-1");
        assert_eq!(regions.len(), 2);
    }
}
