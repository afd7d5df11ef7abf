import Testing
@testable import SessionSyncd

@Suite struct LeaderElectionTests {
    let t0 = ContinuousClock.now
    let poll = Duration.seconds(1)
    let beat = Duration.seconds(5)

    func machine() -> LeaderElection { LeaderElection(pollInterval: poll, heartbeatInterval: beat) }

    @Test func aloneItConnectsTakesTheLockAndHeartbeats() {
        var m = machine()
        #expect(m.start() == [.connect])
        #expect(m.connected(now: t0) == [.tryLock])
        #expect(m.phase == .standby)
        #expect(m.lockAttempt(acquired: true, holder: nil, ownRole: "syncd", now: t0) == [.becomeActive, .wait(until: t0 + beat)])
        #expect(m.isActive)
        #expect(m.tick(now: t0 + beat) == [.heartbeat])
        #expect(m.heartbeat(held: true, now: t0 + beat) == [.wait(until: t0 + beat + beat)])
        #expect(m.isActive)
    }

    @Test func aStandbyPollsEverySecondAndNeverWaitsOnTheLock() {
        var m = machine()
        _ = m.start(); _ = m.connected(now: t0)
        let other = LeaderElection.Holder(pid: 42, role: "syncd")
        #expect(m.lockAttempt(acquired: false, holder: other, ownRole: "syncd", now: t0) == [.wait(until: t0 + poll)])
        #expect(m.tick(now: t0 + poll) == [.tryLock])
        #expect(m.lockAttempt(acquired: false, holder: other, ownRole: "syncd", now: t0 + poll) == [.wait(until: t0 + poll + poll)])
        #expect(m.tick(now: t0 + poll + poll) == [.tryLock])
        #expect(m.lockAttempt(acquired: true, holder: nil, ownRole: "syncd", now: t0 + poll + poll).first == .becomeActive)
    }

    @Test func aForeignHolderIsReportedOncePerHolder() {
        var m = machine()
        _ = m.start(); _ = m.connected(now: t0)
        let mallory = LeaderElection.Holder(pid: 7, role: "mallory")
        #expect(m.lockAttempt(acquired: false, holder: mallory, ownRole: "syncd", now: t0) == [.reportForeignHolder(mallory), .wait(until: t0 + poll)])
        _ = m.tick(now: t0 + poll)
        #expect(m.lockAttempt(acquired: false, holder: mallory, ownRole: "syncd", now: t0 + poll) == [.wait(until: t0 + poll + poll)])
        let again = LeaderElection.Holder(pid: 8, role: "mallory")
        _ = m.tick(now: t0 + poll + poll)
        #expect(m.lockAttempt(acquired: false, holder: again, ownRole: "syncd", now: t0 + poll + poll).first == .reportForeignHolder(again))
        // Another daemon instance (same role) is no finding.
        let peer = LeaderElection.Holder(pid: 9, role: "syncd")
        #expect(m.lockAttempt(acquired: false, holder: peer, ownRole: "syncd", now: t0) == [.wait(until: t0 + poll)])
    }

    @Test func losingTheConnectionWhileActiveStopsWritingFirst() {
        var m = machine()
        _ = m.start(); _ = m.connected(now: t0)
        _ = m.lockAttempt(acquired: true, holder: nil, ownRole: "syncd", now: t0)
        let actions = m.connectionLost(now: t0, retryIn: .milliseconds(100))
        #expect(actions == [.becomeStandby, .disconnect, .wait(until: t0 + .milliseconds(100))])
        #expect(!m.isActive)
        #expect(m.phase == .disconnected)
        #expect(m.tick(now: t0 + .milliseconds(100)) == [.connect])
        #expect(m.connected(now: t0) == [.tryLock])
    }

    @Test func aHeartbeatThatFindsTheLockGoneMakesItStandby() {
        var m = machine()
        _ = m.start(); _ = m.connected(now: t0)
        _ = m.lockAttempt(acquired: true, holder: nil, ownRole: "syncd", now: t0)
        #expect(m.heartbeat(held: false, now: t0) == [.becomeStandby, .wait(until: t0 + poll)])
        #expect(m.phase == .standby)
        #expect(m.tick(now: t0 + poll) == [.tryLock])
    }

    @Test func losingTheConnectionAsStandbyOnlyReconnects() {
        var m = machine()
        _ = m.start(); _ = m.connected(now: t0)
        _ = m.lockAttempt(acquired: false, holder: nil, ownRole: "syncd", now: t0)
        #expect(m.connectionLost(now: t0, retryIn: .seconds(2)) == [.disconnect, .wait(until: t0 + .seconds(2))])
        #expect(m.connectFailed(now: t0, retryIn: .seconds(3)) == [.wait(until: t0 + .seconds(3))])
    }

    @Test func stopReleasesTheLockAfterStandingDown() {
        var m = machine()
        _ = m.start(); _ = m.connected(now: t0)
        _ = m.lockAttempt(acquired: true, holder: nil, ownRole: "syncd", now: t0)
        #expect(m.stop() == [.becomeStandby, .disconnect])
        #expect(m.phase == .stopped)
        #expect(m.tick(now: t0) == [])
        #expect(m.connected(now: t0) == [.disconnect])
        var idle = machine()
        #expect(idle.stop() == [])
        #expect(idle.start() == [])
    }

    @Test func theSharedRoleSaysWhatTheLockLoopSet() {
        let r = InstanceRole(electing: true)
        #expect(r.current == .standby)
        #expect(r.set(.active, lockBackendPID: 12))
        #expect(r.snapshot.lockBackendPID == 12)
        #expect(!r.set(.active, lockBackendPID: 12))
        #expect(r.set(.standby, lockBackendPID: nil))
        #expect(r.snapshot.lockBackendPID == nil && r.snapshot.since != nil)
        #expect(InstanceRole(electing: false).isActive)
    }
}
