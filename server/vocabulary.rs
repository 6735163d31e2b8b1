//! The words the market files things under: the two kinds of listing, the cooperation modes a need
//! asks for, the transfer modes and pricing methods an achievement offers, the comma lists they are
//! stored as, the states of a listing, and the contract kinds, sub-kinds and item categories of the
//! national register. Pure; every area names them from here.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Demand,
    Achievement,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Demand => "demand",
            Kind::Achievement => "achievement",
        }
    }
    pub fn base(self) -> &'static str {
        match self {
            Kind::Demand => "/demands",
            Kind::Achievement => "/achievements",
        }
    }
    /// The kind a listing of this kind is matched with.
    pub fn other(self) -> Kind {
        match self {
            Kind::Demand => Kind::Achievement,
            Kind::Achievement => Kind::Demand,
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "demand" | "demands" => Some(Kind::Demand),
            "achievement" | "achievements" => Some(Kind::Achievement),
            _ => None,
        }
    }
}

crate::text_enum! {
    /// Where a listing (a demand or an achievement) is in its life: draft → submitted → published,
    /// or returned → submitted …; withdrawn, closed, hidden. Only a published listing is on the
    /// shelf (browse, search, matching, digests); `listings::rules` holds the steps between them.
    pub enum ListingStatus {
        Draft = "draft",
        Submitted = "submitted",
        Published = "published",
        Returned = "returned",
        Withdrawn = "withdrawn",
        Closed = "closed",
        Hidden = "hidden",
    }
}

crate::text_enum! {
    /// Where an organization's verification stands: nothing uploaded yet, its business licence
    /// (or broker certificate) waiting for an officer, verified, or rejected with a reason.
    pub enum Verification {
        Unverified = "unverified",
        Pending = "pending",
        Verified = "verified",
        Rejected = "rejected",
    }
}

crate::text_enum! {
    /// What an organization is. Transfer platforms and transfer institutions are brokers too: they
    /// are commissioned and work deals as an individual broker (`broker`, one person with a
    /// certificate) does, and individual brokers may join one of them as their agency.
    pub enum OrgKind {
        Enterprise = "enterprise",
        University = "university",
        ResearchInstitute = "research_institute",
        TransferPlatform = "transfer_platform",
        TransferInstitution = "transfer_institution",
        ContractServicePoint = "contract_service_point",
        Broker = "broker",
        Government = "government",
    }
}

impl OrgKind {
    /// The kinds that act as brokers: commissioned, with a pipeline, a profile and a track record.
    pub const BROKERS: &'static [OrgKind] = &[OrgKind::Broker, OrgKind::TransferPlatform, OrgKind::TransferInstitution];
    /// The kinds that sign up themselves (government offices are created by `create-officer`,
    /// individual brokers through the broker sign-up).
    pub const SELF_SIGNUP: &'static [OrgKind] = &[
        OrgKind::Enterprise,
        OrgKind::University,
        OrgKind::ResearchInstitute,
        OrgKind::TransferPlatform,
        OrgKind::TransferInstitution,
        OrgKind::ContractServicePoint,
    ];
    /// The kinds an individual broker may join as its agency.
    pub const AGENCIES: &'static [OrgKind] = &[OrgKind::TransferPlatform, OrgKind::TransferInstitution];

    /// Whether organizations of this kind act as brokers.
    pub fn acts_as_broker(self) -> bool {
        OrgKind::BROKERS.contains(&self)
    }
    /// Whether this is an individual broker (one person, no colleagues to invite).
    pub fn is_individual_broker(self) -> bool {
        self == OrgKind::Broker
    }
    /// Whether this kind is an agency an individual broker may join.
    pub fn is_agency(self) -> bool {
        OrgKind::AGENCIES.contains(&self)
    }
}

/// Cooperation modes a demand may ask for.
pub const COOP_MODES: &[&str] = &[
    "transfer",
    "licence",
    "joint_development",
    "commissioned_development",
    "equity",
    "consulting",
    "service",
];
/// Transfer modes an achievement may offer.
pub const TRANSFER_MODES: &[&str] = &[
    "transfer",
    "licence",
    "equity",
    "joint_development",
    "use_first_pay_later",
];
pub const PRICING_METHODS: &[&str] = &["agreement", "listing", "auction", "appraisal"];

/// Stored as ",a,b," so that one mode can be matched exactly with LIKE '%,a,%'.
pub fn join_modes(modes: &[String]) -> String {
    if modes.is_empty() {
        String::new()
    } else {
        format!(",{},", modes.join(","))
    }
}

/// Splits a stored comma list (modes ",a,b,", keywords "a,b") into its items.
pub fn split_list(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Kinds and sub-kinds as the national register uses them.
pub const CONTRACT_KINDS: &[(&str, &[&str])] = &[
    ("development", &["commissioned", "cooperative"]),
    (
        "transfer",
        &["patent", "patent_application", "technical_secret", "other"],
    ),
    ("licence", &["exclusive", "sole", "ordinary"]),
    ("consulting", &["general"]),
    ("service", &["general"]),
];

/// Categories of the non-technical items of a contract (equipment, instruments, parts, raw
/// materials), which the technology transaction amount leaves out.
pub const ITEM_CATEGORIES: &[&str] = &["equipment", "instruments", "parts", "materials"];
