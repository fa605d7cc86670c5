import CordonServer
import XCTest

final class ProtocolTests: XCTestCase {
  func testVersion() { XCTAssertEqual(WireProtocol.version, 1) }
}
