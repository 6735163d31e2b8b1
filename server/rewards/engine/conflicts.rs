//! Conflicts: formula programs of one issuing region that pay one beneficiary for one contract without one
//! superseding the other.

use std::collections::{BTreeMap, BTreeSet};

use crate::rewards::catalogue::Catalogue;

use super::{Award, Conflict, Key};

pub(super) fn conflicts(cat: &Catalogue, awards: &[(Key, Award)]) -> Vec<Conflict> {
    // (region, beneficiary, contract) → programs (catalogue order)
    let mut groups: BTreeMap<(String, String, String), BTreeSet<usize>> = BTreeMap::new();
    for (k, a) in awards {
        let p = &cat.programs[k.prog];
        if !p.is_formula() {
            continue;
        }
        let Some(region) = &p.region else { continue };
        for c in &a.contracts {
            groups
                .entry((region.clone(), a.beneficiary.clone(), c.clone()))
                .or_default()
                .insert(k.prog);
        }
    }
    let mut out = Vec::new();
    for ((region, bene, contract), progs) in groups {
        let progs: Vec<usize> = progs.into_iter().collect();
        for (i, &a) in progs.iter().enumerate() {
            for &b in &progs[i + 1..] {
                let (pa, pb) = (&cat.programs[a], &cat.programs[b]);
                if pa.supersedes.contains(&pb.id) || pb.supersedes.contains(&pa.id) {
                    continue;
                }
                out.push(Conflict {
                    region: region.clone(),
                    programs: vec![pa.id.clone(), pb.id.clone()],
                    beneficiary: bene.clone(),
                    contract: contract.clone(),
                    message: format!(
                        "同一发文地区{region}的公式项目{}({})与{}({})都就合同{contract}向{bene}给奖,且互不取代,请主管部门确认是否叠加",
                        pa.id, pa.citation, pb.id, pb.citation
                    ),
                });
            }
        }
    }
    out
}
