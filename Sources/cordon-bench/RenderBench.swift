enum RenderBench { static func run(_ args: [String]) throws {} }
