import CordonModel
import XCTest

/// Each command encodes to one JSON line that decodes back to the same command.
func assertJSONRoundTrips(
  _ commands: [CordonCommand], calendar: LocalCalendar, file: StaticString = #filePath, line: UInt = #line
) throws {
  for c in commands {
    let json = try XCTUnwrap(CommandJSON.encode(c, calendar: calendar), "\(c)", file: file, line: line)
    XCTAssertEqual(try CommandJSON.decode(json, calendar: calendar), c, json, file: file, line: line)
  }
}

/// The field a refused JSON line names, or nil when the line decodes.
func refusedField(_ json: String, calendar: LocalCalendar) -> String? {
  do {
    _ = try CommandJSON.decode(json, calendar: calendar)
    return nil
  } catch { return error.field }
}
