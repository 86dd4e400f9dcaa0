//! Ctrl-C, SIGTERM and SIGHUP end the run as they always did, after removing its scratch
//! directories: a process killed by a signal runs no destructor.

/// The signals that end a run and are caught to clean up first.
const ENDING: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Blocks the ending signals in this thread and every thread it starts, and waits for them on a
/// thread of its own; a signal already ignored (under `nohup`, say) stays ignored. Called first
/// in `main`, before any other thread exists. The ssh a listing starts unblocks them for itself
/// (std would pass the mask on), and is killed here too.
pub fn clean_up_before_ending() {
    let set = signal_set(ENDING.into_iter().filter(|&signal| !ignored(signal)));
    // SAFETY: `set` is an initialised signal set; only this thread's mask changes.
    if unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) } != 0 {
        return;
    }
    let waiter = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || wait_then_end(&set));
    if waiter.is_err() {
        // Nobody would wait for them: let them act as they did.
        // SAFETY: as above.
        unsafe { libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut()) };
    }
}

/// Waits for one of `set`, removes the scratch directories, then ends the process by that signal,
/// so the parent sees what it would have seen (a shell's 130 for Ctrl-C).
fn wait_then_end(set: &libc::sigset_t) {
    let mut signal = 0;
    // SAFETY: `set` is initialised and blocked in every thread; sigwait writes one signal number.
    if unsafe { libc::sigwait(set, &mut signal) } != 0 {
        // Nobody can wait for them: this thread takes them unblocked, as the run would have
        // before (a signal to the process goes to a thread that does not block it), and stays.
        // SAFETY: only this thread's mask changes.
        unsafe { libc::pthread_sigmask(libc::SIG_UNBLOCK, set, std::ptr::null_mut()) };
        loop {
            std::thread::park();
        }
    }
    // Scratch first, held: the run's own threads cannot finish it (a killed listing would let
    // it report and exit) before this thread ends it by the signal.
    let _ending = mlem_registry::scratch::remove_all();
    mlem_registry::resolve::git::stop_listings();
    let this_one = signal_set([signal].into_iter());
    // SAFETY: restores the default action and unblocks the signal in this thread only, then sends
    // it to this thread: the default action ends the whole process.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &this_one, std::ptr::null_mut());
        libc::raise(signal);
    }
    std::process::exit(128 + signal);
}

/// Whether `signal` is ignored now (inherited from the parent).
fn ignored(signal: libc::c_int) -> bool {
    // SAFETY: sigaction is plain data; a null new action only reads the current one.
    let mut current: libc::sigaction = unsafe { std::mem::zeroed() };
    let read = unsafe { libc::sigaction(signal, std::ptr::null(), &mut current) };
    read == 0 && current.sa_sigaction == libc::SIG_IGN
}

/// A signal set holding `signals`.
fn signal_set(signals: impl Iterator<Item = libc::c_int>) -> libc::sigset_t {
    // SAFETY: sigset_t is plain data, initialised by sigemptyset before any use.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    unsafe { libc::sigemptyset(&mut set) };
    for signal in signals {
        // SAFETY: `set` is initialised; `signal` is a valid signal number.
        unsafe { libc::sigaddset(&mut set, signal) };
    }
    set
}
