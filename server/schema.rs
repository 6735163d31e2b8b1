//! Diesel table definitions, shared by the SQLite and PostgreSQL backends.
//! Only portable column types are used: BigInt, Integer, Text, Bool, Binary.

diesel::table! {
    app_settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    files (id) {
        id -> BigInt,
        org_id -> Nullable<BigInt>,
        uploaded_by -> Nullable<BigInt>,
        purpose -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        data -> Binary,
        created_at -> BigInt,
    }
}

diesel::table! {
    organizations (id) {
        id -> BigInt,
        kind -> Text,
        name -> Text,
        credit_code -> Nullable<Text>,
        region_code -> Text,
        broker_certificate -> Nullable<Text>,
        agency_id -> Nullable<BigInt>,
        agency_request_id -> Nullable<BigInt>,
        aid_partnered -> Bool,
        verification -> Text,
        licence_file_id -> Nullable<BigInt>,
        verification_note -> Nullable<Text>,
        verified_at -> Nullable<BigInt>,
        verified_by -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        org_id -> BigInt,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        role -> Text,
        is_admin -> Bool,
        officer_region -> Nullable<Text>,
        email_verified_at -> Nullable<BigInt>,
        lang -> Nullable<Text>,
        created_at -> BigInt,
        digest_enabled -> Bool,
        last_digest_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    org_flags (id) {
        id -> BigInt,
        org_id -> BigInt,
        flag -> Text,
        certificate_no -> Text,
        valid_from -> Text,
        valid_to -> Text,
        file_id -> Nullable<BigInt>,
        status -> Text,
        checked_by -> Nullable<BigInt>,
        checked_at -> Nullable<BigInt>,
        note -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    user_tokens (token_hash) {
        token_hash -> Text,
        purpose -> Text,
        user_id -> Nullable<BigInt>,
        org_id -> Nullable<BigInt>,
        email -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        scope_key -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        user_id -> Nullable<BigInt>,
        to_addr -> Text,
        subject -> Text,
        body -> Text,
        created_at -> BigInt,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        sent_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        subject -> Text,
        body -> Text,
        link -> Nullable<Text>,
        created_at -> BigInt,
        read_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_user_id -> BigInt,
        actor_name -> Text,
        action -> Text,
        target_kind -> Text,
        target_id -> BigInt,
        region_code -> Nullable<Text>,
        detail -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    demands (id) {
        id -> BigInt,
        org_id -> BigInt,
        created_by -> BigInt,
        title -> Text,
        summary -> Text,
        detail -> Text,
        contact -> Text,
        field_code -> Text,
        field_family -> Text,
        keywords -> Text,
        coop_modes -> Text,
        budget_min_fen -> Nullable<BigInt>,
        budget_max_fen -> Nullable<BigInt>,
        negotiable -> Bool,
        budget_sort -> BigInt,
        deadline -> Text,
        region_code -> Text,
        region_province -> Text,
        region_prefecture -> Text,
        grade -> Nullable<Text>,
        status -> Text,
        status_reason -> Nullable<Text>,
        is_challenge -> Bool,
        bounty_fen -> Nullable<BigInt>,
        goals -> Nullable<Text>,
        indicators -> Nullable<Text>,
        challenge_closes_on -> Nullable<Text>,
        submitted_at -> Nullable<BigInt>,
        published_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
        wanted_stage -> Text,
    }
}

diesel::table! {
    achievements (id) {
        id -> BigInt,
        org_id -> BigInt,
        created_by -> BigInt,
        title -> Text,
        summary -> Text,
        detail -> Text,
        contact -> Text,
        field_code -> Text,
        field_family -> Text,
        keywords -> Text,
        trl -> Integer,
        transfer_modes -> Text,
        pricing_method -> Text,
        price_fen -> Nullable<BigInt>,
        negotiable -> Bool,
        price_sort -> BigInt,
        notice_from -> Nullable<Text>,
        notice_to -> Nullable<Text>,
        region_code -> Text,
        region_province -> Text,
        region_prefecture -> Text,
        status -> Text,
        status_reason -> Nullable<Text>,
        submitted_at -> Nullable<BigInt>,
        published_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    ip_items (id) {
        id -> BigInt,
        achievement_id -> BigInt,
        kind -> Text,
        number -> Text,
        status -> Text,
    }
}

diesel::table! {
    listing_imports (id) {
        id -> BigInt,
        org_id -> BigInt,
        user_id -> BigInt,
        started_at -> BigInt,
    }
}

diesel::table! {
    listing_events (id) {
        id -> BigInt,
        listing_kind -> Text,
        listing_id -> BigInt,
        actor_user_id -> BigInt,
        action -> Text,
        reason -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    nda_acceptances (id) {
        id -> BigInt,
        listing_kind -> Text,
        listing_id -> BigInt,
        user_id -> BigInt,
        org_id -> BigInt,
        accepted_at -> BigInt,
    }
}

diesel::table! {
    search_outbox (id) {
        id -> BigInt,
        listing_kind -> Text,
        listing_id -> BigInt,
        created_at -> BigInt,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        done_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        stage -> Text,
    }
}

diesel::table! {
    matches (demand_id, achievement_id) {
        demand_id -> BigInt,
        achievement_id -> BigInt,
        score -> Integer,
        reasons -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    saved_searches (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        query -> Text,
        filters -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    digest_items (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        dedupe_key -> Text,
        listing_kind -> Text,
        listing_id -> BigInt,
        own_kind -> Nullable<Text>,
        own_id -> Nullable<BigInt>,
        saved_search_id -> Nullable<BigInt>,
        score -> Nullable<Integer>,
        created_at -> BigInt,
        sent_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    deals (id) {
        id -> BigInt,
        demand_id -> Nullable<BigInt>,
        achievement_id -> Nullable<BigInt>,
        buyer_org_id -> BigInt,
        seller_org_id -> BigInt,
        buyer_user_id -> BigInt,
        seller_user_id -> BigInt,
        opened_by -> Text,
        status -> Text,
        status_reason -> Nullable<Text>,
        agreed_offer_id -> Nullable<BigInt>,
        version -> Integer,
        created_at -> BigInt,
        updated_at -> BigInt,
        buyer_broker_org_id -> Nullable<BigInt>,
        seller_broker_org_id -> Nullable<BigInt>,
        proposal_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    proposals (id) {
        id -> BigInt,
        demand_id -> BigInt,
        org_id -> BigInt,
        user_id -> BigInt,
        title -> Text,
        approach -> Text,
        team -> Text,
        milestones -> Text,
        price_fen -> BigInt,
        status -> Text,
        reason -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    proposal_questions (id) {
        id -> BigInt,
        proposal_id -> BigInt,
        user_id -> BigInt,
        body -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    broker_profiles (org_id) {
        org_id -> BigInt,
        fields -> Text,
        regions -> Text,
        intro -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    commissions (id) {
        id -> BigInt,
        listing_kind -> Text,
        listing_id -> BigInt,
        owner_org_id -> BigInt,
        broker_org_id -> BigInt,
        created_by -> BigInt,
        status -> Text,
        reason -> Nullable<Text>,
        created_at -> BigInt,
        decided_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    deal_events (id) {
        id -> BigInt,
        deal_id -> BigInt,
        user_id -> BigInt,
        action -> Text,
        status -> Text,
        reason -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    deal_messages (id) {
        id -> BigInt,
        deal_id -> BigInt,
        user_id -> BigInt,
        side -> Text,
        body -> Text,
        file_id -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    deal_offers (id) {
        id -> BigInt,
        deal_id -> BigInt,
        user_id -> BigInt,
        side -> Text,
        price_fen -> BigInt,
        coop_mode -> Text,
        payment_terms -> Text,
        licence_scope -> Text,
        note -> Text,
        status -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    contracts (id) {
        id -> BigInt,
        deal_id -> Nullable<BigInt>,
        kind -> Text,
        sub_kind -> Text,
        buyer_org_id -> BigInt,
        seller_org_id -> BigInt,
        intermediary_org_id -> Nullable<BigInt>,
        project_name -> Text,
        signed_on -> Text,
        term_from -> Text,
        term_to -> Text,
        contract_fen -> BigInt,
        equity_fen -> Nullable<BigInt>,
        tech_fen_registered -> Nullable<BigInt>,
        involves_patent -> Bool,
        patents -> Text,
        is_import -> Bool,
        region_code -> Text,
        file_id -> Nullable<BigInt>,
        status -> Text,
        return_reason -> Nullable<Text>,
        submitted_by_user -> Nullable<BigInt>,
        submitted_by_org -> Nullable<BigInt>,
        submitted_at -> Nullable<BigInt>,
        registration_no -> Nullable<Text>,
        registered_at -> Nullable<BigInt>,
        registered_by -> Nullable<BigInt>,
        created_by -> BigInt,
        version -> Integer,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    contract_elsewhere (contract_id) {
        contract_id -> BigInt,
        office -> Text,
        number -> Text,
        registered_on -> Text,
        file_id -> BigInt,
        recorded_by -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    contract_items (id) {
        id -> BigInt,
        contract_id -> BigInt,
        category -> Text,
        description -> Text,
        amount_fen -> BigInt,
    }
}

diesel::table! {
    contract_events (id) {
        id -> BigInt,
        contract_id -> BigInt,
        user_id -> BigInt,
        action -> Text,
        reason -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    contract_payments (id) {
        id -> BigInt,
        contract_id -> BigInt,
        paid_on -> Text,
        amount_fen -> BigInt,
        proof_file_id -> BigInt,
        note -> Text,
        recorded_by -> BigInt,
        recorded_org -> BigInt,
        created_at -> BigInt,
        voucher -> Bool,
    }
}

diesel::table! {
    registration_counters (region_code, year) {
        region_code -> Text,
        year -> Integer,
        last_seq -> Integer,
    }
}

diesel::table! {
    contract_amendments (id) {
        id -> BigInt,
        contract_id -> BigInt,
        seq -> Integer,
        status -> Text,
        reason -> Text,
        terms -> Text,
        file_id -> Nullable<BigInt>,
        return_reason -> Nullable<Text>,
        created_by -> BigInt,
        submitted_by_user -> Nullable<BigInt>,
        submitted_at -> Nullable<BigInt>,
        registered_by -> Nullable<BigInt>,
        registered_at -> Nullable<BigInt>,
        version -> Integer,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    contract_versions (id) {
        id -> BigInt,
        contract_id -> BigInt,
        version_no -> Integer,
        terms -> Text,
        amendment_id -> Nullable<BigInt>,
        registered_by -> BigInt,
        registered_at -> BigInt,
    }
}

diesel::table! {
    policy_versions (id) {
        id -> BigInt,
        name -> Text,
        version_no -> Integer,
        content -> Text,
        effective_from -> Text,
        note -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    reward_budgets (fund, year) {
        fund -> Text,
        year -> Integer,
        amount_fen -> BigInt,
        set_by -> BigInt,
        set_at -> BigInt,
    }
}

diesel::table! {
    reward_jobs (id) {
        id -> BigInt,
        contract_id -> Nullable<BigInt>,
        cause -> Text,
        created_at -> BigInt,
        done_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    reward_ledger (id) {
        id -> BigInt,
        award_key -> Text,
        program -> Text,
        beneficiary_org_id -> BigInt,
        contract_id -> Nullable<BigInt>,
        year -> Integer,
        status -> Text,
        is_final -> Bool,
        base_fen -> BigInt,
        amount_fen -> BigInt,
        trace -> Text,
        reverses -> Nullable<BigInt>,
        cause -> Text,
        policy -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    reward_decisions (id) {
        id -> BigInt,
        entry_id -> BigInt,
        approved -> Bool,
        reason -> Text,
        decided_by -> BigInt,
        decided_at -> BigInt,
    }
}

diesel::table! {
    contract_intermediaries (contract_id, position) {
        contract_id -> BigInt,
        position -> Integer,
        org_id -> BigInt,
    }
}

diesel::joinable!(users -> organizations (org_id));
diesel::joinable!(contract_events -> users (user_id));
diesel::joinable!(contract_payments -> users (recorded_by));
diesel::joinable!(contract_versions -> users (registered_by));
diesel::joinable!(reward_ledger -> organizations (beneficiary_org_id));
diesel::joinable!(deal_events -> users (user_id));
diesel::joinable!(deal_messages -> users (user_id));
diesel::joinable!(deal_offers -> users (user_id));
diesel::joinable!(proposal_questions -> users (user_id));
diesel::joinable!(proposals -> organizations (org_id));
diesel::joinable!(matches -> demands (demand_id));
diesel::joinable!(matches -> achievements (achievement_id));
diesel::joinable!(saved_searches -> users (user_id));
diesel::joinable!(digest_items -> users (user_id));
diesel::joinable!(org_flags -> organizations (org_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(demands -> organizations (org_id));
diesel::joinable!(achievements -> organizations (org_id));
diesel::joinable!(ip_items -> achievements (achievement_id));
diesel::joinable!(nda_acceptances -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    app_settings,
    listing_imports,
    files,
    organizations,
    users,
    org_flags,
    sessions,
    user_tokens,
    login_failures,
    mail_outbox,
    notifications,
    audit_log,
    demands,
    achievements,
    ip_items,
    listing_events,
    nda_acceptances,
    search_outbox,
    matches,
    saved_searches,
    digest_items,
    deals,
    deal_events,
    deal_messages,
    deal_offers,
    broker_profiles,
    commissions,
    proposals,
    proposal_questions,
    contracts,
    contract_items,
    contract_events,
    registration_counters,
    contract_payments,
    contract_elsewhere,
    contract_amendments,
    contract_versions,
    policy_versions,
    reward_budgets,
    reward_jobs,
    reward_ledger,
    reward_decisions,
    contract_intermediaries,
);
