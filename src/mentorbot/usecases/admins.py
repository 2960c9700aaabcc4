"""Who a community's admins are, as the bot knows them, and how a community is named to them: read by the admins'
notices (the digest, a round's report: `insight`; a reload found at start-up: `library_follow`)."""

from __future__ import annotations

from mentorbot.i18n import Translator
from mentorbot.models import Member
from mentorbot.storage.elsewhere import platform_of
from mentorbot.usecases.context import Core


async def community_admins(core: Core, community: str) -> list[Member]:
    """The community's admins known to the bot: the settings' ``MENTORBOT_ADMIN_IDS`` of this community (plain
    or scoped to it, `Core.admin_keys`) who are members here."""
    admins: list[Member] = []
    for key in core.admin_keys(community):
        admin = await core.store.find_member(community, key)
        if admin is not None:
            admins.append(admin)
    return admins


async def named_community(core: Core, community: str) -> str | None:
    """`community` when the deployment has members in other communities too, so that an admin's digest or round
    report names the one it is about (an admin of two servers got two alike); None when it serves only this one
    (its titles are as they always were)."""
    return community if await core.store.count_members() > await core.store.count_members(community) else None


def community_name(community: str, t: Translator) -> str:
    """A community as a reader of `t` knows it: ``discord:123`` is "Discord server 123", ``slack:T1`` "Slack
    workspace T1", another as its id. The bot stores no server's or workspace's own name, only its id."""
    platform = platform_of(community)
    if platform in ("discord", "slack"):
        return t(f"admin_scope.{platform}", id=community.partition(":")[2])
    return community
