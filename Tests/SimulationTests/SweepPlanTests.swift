import Engine
import FoundationEssentials
import Testing

@testable import Simulation

/// Sweep files: the tasks they make, in a fixed order, and their mistakes named where they are.
struct SweepPlanTests {
    @Test func tasksAreTheProductInNameOrderThenTheExtraPoints() throws {
        let plan = try SweepPlan(
            json: """
                {"workload": "nbody", "axes": {"seed": {"from": 1, "to": 5, "step": 2}, "particles": [64, 128]},
                 "fixed": {"steps": 3}, "extra": [{"particles": 32, "seed": 9, "dt": 0.002}]}
                """)
        #expect(plan.workload == .nbody)
        #expect(plan.axes.map(\.name) == ["particles", "seed"])
        #expect(plan.tasks.count == 7)
        #expect(plan.tasks.map(\.id) == ["0", "1", "2", "3", "4", "5", "6"])
        #expect(plan.tasks[0].parameters == ["particles": .int(64), "seed": .int(1), "steps": .int(3)])
        #expect(plan.tasks[1].parameters["seed"] == .int(3), "the last name varies fastest")
        #expect(plan.tasks[3].parameters == ["particles": .int(128), "seed": .int(1), "steps": .int(3)])
        #expect(
            plan.tasks[6].parameters == [
                "particles": .int(32), "seed": .int(9), "steps": .int(3), "dt": .double(0.002),
            ])
        let wide = try SweepPlan(json: #"{"workload": "life", "axes": {"seed": {"from": 0, "to": 11}}}"#)
        #expect(wide.tasks.first?.id == "00" && wide.tasks.last?.id == "11", "ids sort as numbers do")
        let extraOnly = try SweepPlan(
            json: #"{"workload": "life", "extra": [{"seed": 1}, {"seed": 2}, {"seed": 3}, {"seed": 4}, {"seed": 5}, "#
                + #"{"seed": 6}, {"seed": 7}, {"seed": 8}, {"seed": 9}, {"seed": 10}]}"#)
        #expect(extraOnly.tasks.map(\.id) == ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
        let single = try SweepPlan(json: #"{"workload": "life", "fixed": {"size": "64x32"}}"#)
        #expect(single.tasks.map(\.parameters) == [["size": .string("64x32")]])
    }

    @Test(arguments: [
        (#"{"workload": "nbody", "axes": {"particles": [1, 2]"#, "is not valid JSON"),
        (#"["nbody"]"#, "must hold a JSON object"),
        ("{\n\"workload\": \"nbody\",\n\"axis\": {}}", "line 3: \"axis\": unknown key"),
        (#"{"axes": {}}"#, "needs \"workload\""),
        (#"{"workload": "fluid"}"#, "'fluid' is not a workload sweeps run; use nbody, life or gray-scott"),
        (
            "{\"workload\": \"life\",\n \"axes\": {\"particles\": [1]}}",
            "line 2: \"particles\": no parameter of life; it takes size"
        ),
        (#"{"workload": "nbody", "axes": {"seed": []}}"#, "\"seed\": has no values"),
        (#"{"workload": "nbody", "axes": {"seed": {"from": 5, "to": 1}}}"#, "from (5) is above its to (1)"),
        (#"{"workload": "nbody", "axes": {"seed": {"from": 1, "to": 9, "by": 2}}}"#, "not by"),
        (#"{"workload": "nbody", "axes": {"seed": [1]}, "fixed": {"seed": 2}}"#, "both an axis and fixed"),
        (#"{"workload": "nbody", "axes": {"seed": {"from": 0, "to": 99999999}}}"#, "more than 1000000"),
        (
            #"{"workload": "nbody", "axes": {"seed": {"from": -9223372036854775808, "to": 9223372036854775807}}}"#,
            "more than 1000000"
        ),
        (
            #"{"workload": "nbody", "axes": {"particles": {"from": 1, "to": 999999}, "#
                + #""seed": {"from": 1, "to": 999999}, "steps": {"from": 1, "to": 999999}, "#
                + #""checkpointEvery": {"from": 1, "to": 999999}}}"#,
            "more than 1000000"
        ),
        (#"{"workload": "nbody", "axes": {"particles": [0, 5]}}"#, "task 0: particles must be a whole number in 1..."),
        (#"{"workload": "nbody", "fixed": {"model": "sphere"}}"#, "model must be one of plummer, cube, galaxies"),
        (#"{"workload": "nbody", "fixed": {"kernel": "64,1,0u4"}}"#, "have a tile loop to unroll"),
        (#"{"workload": "life", "fixed": {"size": "0x5"}}"#, "size must be WxH"),
        (#"{"workload": "life", "fixed": {"rule": "B9/S"}}"#, "task 0:"),
        (#"{"workload": "life", "fixed": {"bounded": 1}}"#, "bounded must be true or false"),
    ])
    func mistakesAreNamedWhereTheyAre(text: String, expected: String) {
        do {
            _ = try SweepPlan(json: text, file: "sweep.json")
            Issue.record("\(text) was accepted")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
            #expect("\(error)".hasPrefix("sweep.json"), "\(error)")
        }
    }

    @Test func theTaskComesFromTheIndexOrTheFirstVariableSet() throws {
        let plan = try SweepPlan(json: #"{"workload": "nbody", "axes": {"seed": {"from": 1, "to": 4}}}"#)
        #expect(try plan.task(index: 2, environment: ["SLURM_ARRAY_TASK_ID": "3"]).index == 2)
        #expect(try plan.task(index: nil, environment: ["SLURM_ARRAY_TASK_ID": "3"]).index == 3)
        let both = ["JOB_COMPLETION_INDEX": "0", "CAPITALENGINE_TASK_INDEX": "1", "SLURM_ARRAY_TASK_ID": ""]
        #expect(try plan.task(index: nil, environment: both).index == 1)
        #expect(try plan.task(index: nil, environment: ["JOB_COMPLETION_INDEX": "0"]).parameters["seed"] == .int(1))
        for (environment, expected) in [
            ([:], "no task index"),
            (["SLURM_ARRAY_TASK_ID": "4"], "SLURM_ARRAY_TASK_ID gives task 4; this sweep's tasks are 0 to 3"),
            (["CAPITALENGINE_TASK_INDEX": "node-7"], "CAPITALENGINE_TASK_INDEX=node-7 is not a task index"),
        ] {
            #expect(throws: EngineError.self) { try plan.task(index: nil, environment: environment) }
            do { _ = try plan.task(index: nil, environment: environment) } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }
}
