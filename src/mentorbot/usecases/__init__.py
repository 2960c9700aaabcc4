"""The use-cases of MentorBot, one module per part of the programme.

- `context`: who calls (`Caller`), the shared services (`Core`) and one call's `Context`;
- `handler`: `handle`, the one error handler every use-case runs under;
- `profiles`: mentor sign-up, profile updates, pause and resume, the member's language;
- `requests`: asking for a mentor and withdrawing a request;
- `matchmaking`: offering a waiting request to the best mentor, or recording why it waits;
- `offers`: accepting (introductions) and declining offers;
- `mentorships`: ending a mentorship, with feedback;
- `feedback`: feedback on an ended mentorship (once per person), the check-in's answers and buttons;
- `status`: where a member stands (also Slack's App Home);
- `privacy`: a member's data export and deletion;
- `unreachable`, `departures`, `returns`: a mentor DMs cannot reach; a member who left; one seen again;
- `catalog`: the skills taxonomy and the course recommendations;
- `curation`: the community's catalog: suggested resources, their review, members' votes;
- `admin`: stats, waitlist, manual match, end, pause, optimal rounds, reload, CSV exports;
- `library_follow`: every process following a reload; stored skills settled against the files (at start too);
- `insight`: the stats' charts, the scheduled round, the weekly digest, the recruitment helper;
- `timers`: offer expiry, check-ins and pause ends, run from the database;
- `expiry`: an offer's expiry (its timer's, or a late answer's), `admins`: who a community's admins are;
- `views`: the pure reply builders the others hand their data to.

`mentorbot.bot.MentorBot` is the facade adapters call.
"""
