"""The sizes `python -m benchmarks --size` knows, and what each one generates and measures."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.generate import CommunitySpec

MAIN = "bench:main"
ROUND = "bench:round"


@dataclass(frozen=True)
class Profile:
    """One size: the main community, the round community, sample counts and the scaling series."""

    name: str
    members: int
    waiting: int
    round_requests: int
    round_mentors: int
    match_samples: int
    accept_samples: int
    course_samples: int
    round_repeats: int
    scale_members: tuple[int, ...]
    scale_fixed_mentors: int
    scale_mentors: tuple[int, ...]
    scale_fixed_members: int
    scale_samples: int
    slack_requests: int
    discord_samples: int
    simulation: tuple[int, int, int]
    """The programme simulation's days, members and mentors."""

    @property
    def mentors(self) -> int:
        """10 % of the members mentor."""
        return self.members // 10

    def main_spec(self) -> CommunitySpec:
        """The community most figures are measured on."""
        return CommunitySpec(MAIN, self.members, self.mentors, self.waiting)

    def round_spec(self) -> CommunitySpec:
        """A round's starting point: every mentor active with free places, every request waiting."""
        return CommunitySpec(
            ROUND, self.round_requests + self.round_mentors, self.round_mentors, self.round_requests, round_ready=True
        )

    def scale_specs(self) -> tuple[list[CommunitySpec], list[CommunitySpec]]:
        """(members grow with mentors fixed, mentors grow with members fixed); equal specs are loaded once."""
        by_members = [CommunitySpec(MAIN, m, self.scale_fixed_mentors, 0) for m in self.scale_members]
        by_mentors = [CommunitySpec(MAIN, self.scale_fixed_members, n, 0) for n in self.scale_mentors]
        return by_members, by_mentors


PROFILES: dict[str, Profile] = {
    "1k": Profile(
        name="1k",
        members=1_000,
        waiting=200,
        round_requests=500,
        round_mentors=200,
        match_samples=500,
        accept_samples=200,
        course_samples=1_000,
        round_repeats=3,
        scale_members=(100, 300, 1_000),
        scale_fixed_mentors=100,
        scale_mentors=(20, 50, 100),
        scale_fixed_members=1_000,
        scale_samples=100,
        slack_requests=400,
        discord_samples=100,
        simulation=(10, 150, 20),
    ),
    "10k": Profile(
        name="10k",
        members=10_000,
        waiting=1_500,
        round_requests=5_000,
        round_mentors=2_000,
        match_samples=500,
        accept_samples=500,
        course_samples=2_000,
        round_repeats=5,
        scale_members=(100, 1_000, 10_000),
        scale_fixed_mentors=100,
        scale_mentors=(100, 500, 1_000),
        scale_fixed_members=10_000,
        scale_samples=200,
        slack_requests=2_000,
        discord_samples=300,
        simulation=(30, 300, 40),
    ),
    "100k": Profile(
        name="100k",
        members=100_000,
        waiting=3_000,
        round_requests=5_000,
        round_mentors=2_000,
        match_samples=500,
        accept_samples=1_000,
        course_samples=2_000,
        round_repeats=5,
        scale_members=(1_000, 10_000, 100_000),
        scale_fixed_mentors=1_000,
        scale_mentors=(1_000, 5_000, 10_000),
        scale_fixed_members=100_000,
        scale_samples=200,
        slack_requests=3_000,
        discord_samples=500,
        simulation=(90, 300, 40),
    ),
}
