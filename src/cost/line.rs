//! What a priced line is: its category (what it is for), its item (what it
//! belongs to) and where it is charged.

use crate::aws::directory::{AccountId, KeyId};
use crate::pipeline::config::{RegionId, World};
use crate::pipeline::model::ExecId;

/// What a line item is for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Category {
    /// Instance hours.
    Instance,
    /// EBS volume GB-months.
    Ebs,
    /// Snapshot storage GB-months.
    SnapshotStorage,
    /// Inter-Region transfer GB.
    Transfer,
    /// KMS key-months.
    Kms,
    /// Time-based copy GB (the charge on top of transfer).
    TimeBasedCopy,
    /// Snapshot storage in the archive tier, GB-months.
    SnapshotArchive,
    /// ECR storage of a container image's layers, GB-months.
    EcrStorage,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 8] = [
        Category::Instance,
        Category::Ebs,
        Category::SnapshotStorage,
        Category::Transfer,
        Category::Kms,
        Category::TimeBasedCopy,
        Category::SnapshotArchive,
        Category::EcrStorage,
    ];

    /// The name used in CSV files.
    pub fn name(self) -> &'static str {
        match self {
            Category::Instance => "instance",
            Category::Ebs => "ebs_volume",
            Category::SnapshotStorage => "snapshot_storage",
            Category::Transfer => "transfer",
            Category::Kms => "kms_key",
            Category::TimeBasedCopy => "time_based_copy",
            Category::SnapshotArchive => "snapshot_archive",
            Category::EcrStorage => "ecr_storage",
        }
    }

    /// The unit of its quantity.
    pub fn unit(self) -> &'static str {
        match self {
            Category::Instance => "hour",
            Category::Ebs
            | Category::SnapshotStorage
            | Category::SnapshotArchive
            | Category::EcrStorage => "gb_month",
            Category::Transfer | Category::TimeBasedCopy => "gb",
            Category::Kms => "key_month",
        }
    }
}

/// What a line item belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Item {
    /// The build instance.
    Builder,
    /// The test instance.
    Test,
    /// A test instance where the image landed.
    DestinationTest,
    /// An image's snapshots.
    Image,
    /// A copy to another Region.
    Copy,
    /// A customer managed key.
    Key(KeyId),
}

impl Item {
    /// How many items there are in a world of `keys` customer managed keys:
    /// the length of a table [`Item::dense`] indexes.
    pub fn count(keys: usize) -> usize {
        5 + keys
    }

    /// Its index in a dense table of [`Item::count`] entries, in `Ord` order.
    pub fn dense(self) -> usize {
        match self {
            Item::Builder => 0,
            Item::Test => 1,
            Item::DestinationTest => 2,
            Item::Image => 3,
            Item::Copy => 4,
            Item::Key(k) => 5 + k.index(),
        }
    }

    /// The item at dense index `i`.
    pub fn from_dense(i: usize) -> Item {
        match i {
            0 => Item::Builder,
            1 => Item::Test,
            2 => Item::DestinationTest,
            3 => Item::Image,
            4 => Item::Copy,
            k => Item::Key(KeyId::from_index(k - 5)),
        }
    }

    /// The name used in `cost.csv`: `builder`, `test`, `destination_test`,
    /// `image`, `copy`, or the key's name.
    pub fn name(self, world: &World) -> &str {
        match self {
            Item::Builder => "builder",
            Item::Test => "test",
            Item::DestinationTest => "destination_test",
            Item::Image => "image",
            Item::Copy => "copy",
            Item::Key(k) => &world.directory.keys[k.index()].name,
        }
    }
}

/// One priced line item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostLine {
    /// The execution it belongs to (`None`: the scenario's keys).
    pub exec: Option<ExecId>,
    /// What it is for.
    pub category: Category,
    /// What it belongs to (a plain value: clearing a ledger's lines costs nothing).
    pub item: Item,
    /// Region charged.
    pub region: RegionId,
    /// Account charged.
    pub account: AccountId,
    /// Quantity in the category's unit.
    pub quantity: f64,
    /// Price, micro-dollars.
    pub usd_micro: u64,
}
