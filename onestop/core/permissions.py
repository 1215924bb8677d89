"""Every permission in the system, named "<scope>:<resource>:<action>"."""

from enum import StrEnum


class Permission(StrEnum):
    CATALOG_ITEM_VIEW = "public:item:view"
    CATALOG_ITEM_MANAGE = "region:item:manage"
    CATALOG_IMPORT = "region:catalog:import"
    ORG_MANAGE = "region:org:manage"
    ACCOUNTS_MANAGE = "region:accounts:manage"
    CALENDAR_MANAGE = "region:calendar:manage"
    CITIZEN_PROFILE_VIEW = "self:profile:view"
    # cases (one `cases.policies.can(actor, action, case)` answers for these)
    CASE_VIEW = "case:case:view"
    CASE_DRAFT_EDIT = "self:case_draft:edit"
    CASE_ACCEPT = "region:case:accept"
    CASE_STEP_DEPARTMENT = "department:case_step:complete"
    CASE_STEP_WINDOW = "region:case_step:complete"
    CASE_SUPPLEMENT_ANSWER = "self:case_supplement:answer"
    CASE_WITHDRAW = "self:case:withdraw"
    CASE_RESULT_COLLECT = "region:case_result:collect"
    CASE_SUPERVISE = "region:case:supervise"
