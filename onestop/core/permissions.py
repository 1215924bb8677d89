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
