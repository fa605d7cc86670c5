// The domain contract lives in EventSourcing so the pure model can use it
// without depending on the store; users of the store get it with one import.
@_exported import EventSourcing
