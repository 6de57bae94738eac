package hookvm

// Return codes of the hook API, as xahaud's hook_api::hook_return_code
// (src/ripple/app/hook/Enum.h). Hooks compare against these numbers, so
// they are part of the wire contract.
const (
	Success                      int64 = 0
	OutOfBounds                  int64 = -1
	InternalError                int64 = -2
	TooBig                       int64 = -3
	TooSmall                     int64 = -4
	DoesntExist                  int64 = -5
	NoFreeSlots                  int64 = -6
	InvalidArgument              int64 = -7
	AlreadySet                   int64 = -8
	PrerequisiteNotMet           int64 = -9
	FeeTooLarge                  int64 = -10
	EmissionFailure              int64 = -11
	TooManyNonces                int64 = -12
	TooManyEmittedTxn            int64 = -13
	NotImplemented               int64 = -14
	InvalidAccount               int64 = -15
	GuardViolation               int64 = -16
	InvalidField                 int64 = -17
	ParseError                   int64 = -18
	RCRollback                   int64 = -19
	RCAccept                     int64 = -20
	NoSuchKeylet                 int64 = -21
	NotAnArray                   int64 = -22
	NotAnObject                  int64 = -23
	InvalidFloat                 int64 = -10024
	DivisionByZero               int64 = -25
	MantissaOversized            int64 = -26
	MantissaUndersized           int64 = -27
	ExponentOversized            int64 = -28
	ExponentUndersized           int64 = -29
	XFLOverflow                  int64 = -30
	NotIOUAmount                 int64 = -31
	NotAnAmount                  int64 = -32
	CantReturnNegative           int64 = -33
	NotAuthorized                int64 = -34
	PreviousFailurePreventsRetry int64 = -35
	TooManyParams                int64 = -36
	InvalidTxn                   int64 = -37
	ReserveInsufficient          int64 = -38
	ComplexNotSupported          int64 = -39
	DoesNotMatch                 int64 = -40
	InvalidKey                   int64 = -41
	NotAString                   int64 = -42
	MemOverlap                   int64 = -43
	TooManyStateModifications    int64 = -44
	TooManyNamespaces            int64 = -45
)

// ExitType is how a hook execution ended, as stored in HookResult metadata.
type ExitType uint8

// Exit types (hook_api::ExitType).
const (
	ExitUnset     ExitType = 0
	ExitWasmError ExitType = 1
	ExitRollback  ExitType = 2
	ExitAccept    ExitType = 3
)

// Limits of one execution (Enum.h).
const (
	maxSlots              = 255
	maxNonce              = 255
	maxEmit               = 255
	maxStateModifications = 256
	maxStateDataSize      = 256
	maxNamespaces         = 256
)

// Keylet type codes of util_keylet (hook_api::keylet_code).
const (
	KeyletHook           = 1
	KeyletHookState      = 2
	KeyletAccount        = 3
	KeyletAmendments     = 4
	KeyletChild          = 5
	KeyletSkip           = 6
	KeyletFees           = 7
	KeyletNegativeUNL    = 8
	KeyletLine           = 9
	KeyletOffer          = 10
	KeyletQuality        = 11
	KeyletEmittedDir     = 12
	KeyletTicket         = 13
	KeyletSigners        = 14
	KeyletCheck          = 15
	KeyletDepositPreauth = 16
	KeyletUnchecked      = 17
	KeyletOwnerDir       = 18
	KeyletPage           = 19
	KeyletEscrow         = 20
	KeyletPaychan        = 21
	KeyletEmittedTxn     = 22
	KeyletNFTOffer       = 23
	KeyletHookDefinition = 24
	KeyletHookStateDir   = 25
)
