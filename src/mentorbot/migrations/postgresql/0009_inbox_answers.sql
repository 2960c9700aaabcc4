-- The answer to a recorded event is durable too. The use-case's unit of work stores the answer (the reply, the
-- held notices shown with it, the language) on the event's row and moves it from 'pending' to 'answering', in
-- the transaction of its changes; the adapter marks it 'done' once the member was shown the answer. A process
-- that dies in between leaves it 'answering': once its lease runs out, any process serving the community
-- delivers the stored answer (the use-case is not run again).
ALTER TABLE inbox ADD COLUMN answer TEXT;
