"""Every permission in the system, named "<scope>:<resource>:<action>".

Each app's `policies.can(actor, action, obj)` answers for the names of its app; the app's
policy module may give them shorter aliases (``policies.Action``), always with these values.
"""

from enum import StrEnum


class Permission(StrEnum):
    # accounts
    ACCOUNTS_MANAGE = "region:accounts:manage"
    CITIZEN_PROFILE_VIEW = "self:profile:view"
    PROFILE_UPDATE = "self:profile:update"  # one's own account settings (language of messages)
    RESIDENT_ID_REVEAL = "self:resident_id:reveal"
    USER_FIND = "staff:user:find"
    STAFF_ROLE_VIEW = "region:staff_role:view"
    SERVICE_CODE_SHOW = "self:service_code:show"  # one's own government service code (QR)
    SERVICE_CODE_SCAN = "staff:service_code:scan"  # a window clerk reads it
    IDENTITY_VERIFY = "region:identity:verify"  # a window clerk checks an ID card (L3)
    ASSURANCE_RAISE_REMOTE = "node:identity:raise"  # the identity provider login (L2)
    # assisted handling (帮办代办): consent that someone acts for a person (accounts.policies)
    DELEGATION_GRANT = "self:delegation:grant"  # the person names a helper in my account
    DELEGATION_RECORD = "region:delegation:record"  # a window clerk records it, person present
    DELEGATION_REVOKE = "self:delegation:revoke"  # the person (or the helper giving it up)
    DELEGATION_ACT = "self:delegation:act"  # the helper switches to acting for the person
    # org and core
    ORG_MANAGE = "region:org:manage"
    CALENDAR_MANAGE = "region:calendar:manage"
    # org: the walk-in queue of a service centre (one `org.policies.can` answers for these)
    QUEUE_TICKET_TAKE = "public:queue_ticket:take"  # anybody at the kiosk
    QUEUE_VIEW = "region:queue:view"  # a centre's waiting list
    QUEUE_TICKET_CALL = "region:queue_ticket:call"  # call the next walk-in to a window
    QUEUE_TICKET_SERVE = "region:queue_ticket:serve"  # mark a called walk-in served or absent
    # catalog
    CATALOG_ITEM_VIEW = "public:item:view"
    CATALOG_ITEM_MANAGE = "region:item:manage"
    CATALOG_IMPORT = "region:catalog:import"
    # notify
    NOTIFICATION_READ = "self:notification:read"
    NOTIFICATION_RESEND = "node:notification:resend"
    # workflow
    PROCESS_RUN = "node:process:run"
    # sharing
    DATASET_MANAGE = "node:dataset:manage"
    DATASET_SOURCE_MANAGE = "region:dataset_source:manage"  # a department system as a source
    CONSENT_MANAGE = "self:consent:manage"
    DATA_TRACKER_VIEW = "self:data_tracker:view"
    ACCESS_RECORDS_VIEW = "department:access_records:view"
    DATA_FETCH_SELF = "self:shared_data:fetch"  # needs identity assurance L2 or more
    DATA_FETCH_DEPARTMENT = "department:shared_data:fetch"  # and a sharing agreement
    # credentials
    LICENCE_TYPE_MANAGE = "node:licence_type:manage"
    CREDENTIAL_ISSUE = "department:credential:issue"
    CREDENTIAL_REVOKE = "department:credential:revoke"
    CREDENTIAL_VIEW = "self:credential:view"  # the holder's wallet: the holder only
    CREDENTIAL_ISSUED_VIEW = "department:credential:view"  # what one's department issued
    # knowledge
    ARTICLE_DRAFT = "staff:article:draft"
    ARTICLE_PUBLISH = "region:article:publish"
    ARTICLE_IMPORT = "region:article:import"
    # hotline
    HOTLINE_CREATE = "region:hotline:create"
    HOTLINE_VIEW = "region:hotline:view"
    HOTLINE_CONTACT_VIEW = "region:hotline:contact-view"
    HOTLINE_ATTACH = "region:hotline:attach"
    HOTLINE_ARTICLE = "region:hotline:article"
    HOTLINE_DEPARTMENT_QUEUE = "department:hotline:queue"
    HOTLINE_SUPERVISE = "region:hotline:supervise"
    HOTLINE_FILE = "public:hotline:file"  # a citizen files a request on the portal (anyone)
    HOTLINE_TRACK = "self:hotline:track"  # the citizen who filed it (account or tracking token)
    # the routing set-up: the jurisdiction table and the model registry (obj: a region code)
    HOTLINE_ROUTING = "region:hotline:routing"
    # open311
    OPEN311_CLIENT_MANAGE = "region:open311_client:manage"
    # insights
    INSIGHTS_VIEW = "region:insights:view"
    HOTSPOT_VIEW = "department:hotspot:view"  # a hotspot card and the requests behind it
    HOTSPOT_ACT = "department:hotspot:act"  # open and update the card's proactive task
    # reviews (one `reviews.policies.can(actor, action, obj)` answers for these)
    REVIEW_SUBMIT = (
        "self:review:submit"  # the author of the event (or a hotline agent at call-back)
    )
    REVIEW_VIEW = "department:review:view"  # the department's reviews with the reviewer's real name
    RECTIFICATION_HANDLE = "department:rectification:handle"  # call back, rectify, appeal
    RECTIFICATION_ANSWER = "self:rectification:answer"  # the reviewer accepts or asks again
    REVIEW_APPEAL_DECIDE = "region:review_appeal:decide"  # a supervisor upholds or voids
    REVIEW_STATS_VIEW = "public:review_stats:view"  # the public figures (aggregates only)
    # benefits without applying (one `benefits.policies.can` answers for these)
    BENEFIT_OFFER_VIEW = "self:benefit_offer:view"  # the holder; staff of the granting department
    BENEFIT_OFFER_CONFIRM = "self:benefit_offer:confirm"  # the holder only
    BENEFIT_OPT_OUT = "self:benefit:opt-out"  # a citizen or business, for themself
    BENEFIT_CONSOLE_VIEW = "department:benefit_offer:view"  # the department's offers, figures
    BENEFIT_OFFER_PAY = "department:benefit_offer:pay"  # officers of the paying department
    REVIEW_PAD_PAIR = "staff:review_pad:pair"  # a window's clerk pairs its rating screen
    # federation (one `federation.policies.can` answers for these)
    PEER_MANAGE = "region:peer:manage"  # add, allow, remove peers; retry or discard dead letters
    NETWORK_VIEW = "region:network:view"  # the network screen
    # cases (one `cases.policies.can(actor, action, case)` answers for these)
    CASE_VIEW = "self:case:view"  # the applicant; staff by department and region (cases.policies)
    CASE_DRAFT_EDIT = "self:case_draft:edit"
    CASE_ACCEPT = "region:case:accept"
    CASE_STEP_DEPARTMENT = "department:case_step:complete"
    CASE_STEP_WINDOW = "region:case_step:complete"
    CASE_SUPPLEMENT_ANSWER = "self:case_supplement:answer"
    CASE_WITHDRAW = "self:case:withdraw"
    CASE_RESULT_COLLECT = "region:case_result:collect"
    CASE_SUPERVISE = "region:case:supervise"
