//! The challenges' pages: a new proposal, a proposal, the proposals to a challenge.

use askama::Template;

use crate::web::{Ctx, FieldErrors};

use super::rules::{ProposalInput, ProposalStatus};
use super::store::{Challenge, Proposal, Question};

#[derive(Template)]
#[template(path = "challenges/new.html")]
pub struct NewPage<'a> {
    pub c: &'a Ctx,
    pub ch: Challenge,
    pub f: ProposalInput,
    pub errors: FieldErrors,
}

impl NewPage<'_> {
    fn bounty(&self) -> String {
        self.ch
            .bounty_fen
            .map(|b| crate::money::format_human(b, self.c.is_en()))
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "challenges/proposal.html")]
pub struct ProposalPage<'a> {
    pub c: &'a Ctx,
    pub p: Proposal,
    pub ch: Challenge,
    pub org_name: String,
    pub owner: bool,
    pub party: bool,
    pub questions: Vec<Question>,
    pub deal: Option<i64>,
    pub question: String,
    pub reason: String,
    pub errors: FieldErrors,
}

impl ProposalPage<'_> {
    fn price(&self) -> String {
        crate::money::format_human(self.p.price_fen, self.c.is_en())
    }
}

#[derive(Template)]
#[template(path = "challenges/list.html")]
pub struct ListPage<'a> {
    pub c: &'a Ctx,
    pub ch: Challenge,
    pub items: Vec<(Proposal, String)>,
}

impl ListPage<'_> {
    fn money(&self, fen: &i64) -> String {
        crate::money::format_human(*fen, self.c.is_en())
    }
    fn undecided(&self) -> usize {
        self.items.iter().filter(|(p, _)| p.undecided()).count()
    }
}
