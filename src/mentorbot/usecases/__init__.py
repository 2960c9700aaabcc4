"""The use-cases of MentorBot, one module per part of the programme.

- `context`: who calls (`Caller`), the shared services (`Core`) and one call's `Context`;
- `handler`: `handle`, the one error handler every use-case runs under;
- `profiles`: mentor sign-up, profile updates, pause and resume, the member's language;
- `requests`: asking for a mentor and withdrawing a request;
- `matchmaking`: offering a waiting request to the best mentor, or recording why it waits;
- `offers`: accepting (introductions) and declining offers;
- `mentorships`: ending a mentorship, with feedback;
- `status`: where a member stands (also Slack's App Home);
- `privacy`: a member's data export and deletion;
- `catalog`: the skills taxonomy and the course recommendations;
- `admin`: stats, waitlist, manual match, end, pause, optimal rounds, reload, CSV exports;
- `timers`: offer expiry, check-ins and pause ends, run from the database;
- `views`: the pure reply builders the others hand their data to.

`mentorbot.bot.MentorBot` is the facade adapters call.
"""
