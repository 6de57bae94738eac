package evernode

import "testing"

func TestAmountValidate(t *testing.T) {
	for _, a := range []Amount{Drops(0), Drops(1), {Value: "100000000000000000"}, EVR("rI", "0"), EVR("rI", "0.3000000000000001"), EVR("rI", "1e-6")} {
		if err := a.Validate(); err != nil {
			t.Errorf("%+v: %v", a, err)
		}
	}
	for _, a := range []Amount{{Value: "1.5"}, {Value: "-1"}, {Value: "+1"}, {Value: ""}, {Value: "1e3"}, {Value: "100000000000000001"},
		{Value: "1", Issuer: "rI"}, EVR("", "1"), EVR("rI", "-1"), EVR("rI", "1/3"), EVR("rI", "abc"), EVR("rI", "")} {
		if err := a.Validate(); err == nil {
			t.Errorf("%+v accepted", a)
		}
	}
}
