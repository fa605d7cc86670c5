import Foundation

// `cordon-bench store …` measures the durable store; `cordon-bench render …` the console.
let args = Array(CommandLine.arguments.dropFirst())
do {
  switch args.first {
  case "store": try StoreBench.run(Array(args.dropFirst()))
  case "render": try RenderBench.run(Array(args.dropFirst()))
  case "fanout": try FanoutBench.run(Array(args.dropFirst()))
  case "history": try HistoryBench.run(Array(args.dropFirst()))
  case "init": try InitBench.run(Array(args.dropFirst()))
  case "notify": try NotifyBench.run(Array(args.dropFirst()))
  case "rules": try RulesBench.run(Array(args.dropFirst()))
  case "pg": try PgBench.run(Array(args.dropFirst()))
  case "city": try CityBench.run(Array(args.dropFirst()))
  case "welcome": try WelcomeBench.run(Array(args.dropFirst()))
  // The server child process of `fanout`.
  case "fanout-server": try FanoutBench.serve(Array(args.dropFirst()))
  // A webhook receiver child process of `notify`.
  case "notify-receiver": try NotifyBenchReceiver.serve(Array(args.dropFirst()))
  default:
    FileHandle.standardError.write(
      Data("usage: cordon-bench store|render|fanout|history|init|notify|rules|pg|city|welcome [options]\n".utf8))
    exit(2)
  }
} catch {
  FileHandle.standardError.write(Data("cordon-bench: \(error)\n".utf8))
  exit(1)
}
