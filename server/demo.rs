//! A pure, deterministic generator of a believable demo market in Chinese: organizations in 青海, 甘肃,
//! 青岛 and the eastern provinces that support them, individual technology brokers, a few hundred
//! technology demands (some of them open 揭榜挂帅 challenges) and a few hundred achievements with their
//! IP, readiness, transfer terms and 公示 windows.
//!
//! Everything comes from [`market`]: the same seed and the same `today` always give the same market.
//! Money is integer fen, dates are `YYYY-MM-DD` strings relative to `today`. Titles are built from
//! per-field lists of objects × qualifiers × processes, so they read like real listings and rarely repeat.
//! The generator uses only std and its own xorshift PRNG, and does no I/O.

use std::collections::HashSet;

/// The whole generated market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMarket {
    pub orgs: Vec<DemoOrg>,
    pub brokers: Vec<DemoBroker>,
    pub demands: Vec<DemoDemand>,
    pub achievements: Vec<DemoAchievement>,
}

/// An organization with its first user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrg {
    /// Unique key such as "org-17", referenced by listings.
    pub key: String,
    /// enterprise | university | research_institute | transfer_platform | transfer_institution |
    /// contract_service_point
    pub kind: &'static str,
    pub name: String,
    /// Six-digit GB/T 2260 code.
    pub region_code: String,
    pub sme: bool,
    pub tech_sme: bool,
    pub high_tech: bool,
    /// Name of the organization's first user.
    pub user_name: String,
    /// ASCII local part of that user's e-mail address, unique across orgs and brokers.
    pub email_local: String,
}

/// An individual technology broker (技术经纪人).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoBroker {
    pub name: String,
    /// e.g. "QH-JJR-2024-0012"
    pub certificate: String,
    pub region_code: String,
    pub email_local: String,
}

/// A technology demand (技术需求) posted by an enterprise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDemand {
    pub org_key: String,
    pub title: String,
    pub summary: String,
    pub detail: String,
    pub contact: String,
    /// `<top>.<sub>`, one of [`FIELD_CODES`].
    pub field_code: String,
    pub keywords: Vec<String>,
    /// transfer, licence, joint_development, commissioned_development, equity, consulting, service
    pub coop_modes: Vec<&'static str>,
    pub budget_min_fen: Option<i64>,
    /// `None` (with `budget_min_fen` `None`) means the budget is negotiable.
    pub budget_max_fen: Option<i64>,
    pub negotiable: bool,
    pub deadline: String,
    /// key | general
    pub grade: &'static str,
    pub challenge: Option<DemoChallenge>,
    pub published_days_ago: u32,
}

/// The readiness stage a demo need asks for, read from what it asks: development work wants a
/// laboratory or engineering result, a purchase or licence a proven one, advice any stage.
pub fn wanted_stage(d: &DemoDemand) -> Option<crate::readiness::Stage> {
    use crate::readiness::Stage;
    let has = |m: &str| d.coop_modes.contains(&m);
    if has("transfer") || has("licence") || has("equity") {
        Some(Stage::Industrial)
    } else if has("joint_development") || has("commissioned_development") {
        Some(Stage::Engineering)
    } else {
        None
    }
}

/// An open challenge (揭榜挂帅) attached to a demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoChallenge {
    pub bounty_fen: i64,
    pub goals: String,
    pub indicators: String,
    pub closes_on: String,
}

/// A technology achievement (科技成果) offered for transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAchievement {
    pub org_key: String,
    pub title: String,
    pub summary: String,
    pub detail: String,
    pub contact: String,
    /// `<top>.<sub>`, one of [`FIELD_CODES`].
    pub field_code: String,
    pub keywords: Vec<String>,
    /// Technology readiness level 1-9, consistent with the stage described in the summary.
    pub trl: u8,
    /// transfer, licence, equity, joint_development, use_first_pay_later
    pub transfer_modes: Vec<&'static str>,
    /// agreement | listing | auction | appraisal
    pub pricing_method: &'static str,
    pub price_fen: Option<i64>,
    pub negotiable: bool,
    /// 公示 window of the intended price: (from, to).
    pub notice: Option<(String, String)>,
    pub ip: Vec<DemoIp>,
    pub published_days_ago: u32,
}

/// One piece of IP behind an achievement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoIp {
    /// invention_patent | utility_model | design | software_copyright
    pub kind: &'static str,
    /// Patent application number "YYYYKNNNNNNN.C" or software copyright "YYYYSRNNNNNNN".
    pub number: String,
    /// applied | granted
    pub status: &'static str,
}

/// Every field code the generator uses: each top-level code followed by its `<top>.<sub>` codes.
/// Listings carry the sub codes.
pub const FIELD_CODES: &[&str] = &[
    "salt_lake",
    "salt_lake.potash",
    "salt_lake.magnesium",
    "salt_lake.associated",
    "lithium",
    "lithium.brine",
    "lithium.salts",
    "lithium.recycling",
    "clean_energy",
    "clean_energy.photovoltaic",
    "clean_energy.solar_thermal",
    "clean_energy.grid",
    "clean_energy.geothermal",
    "energy_storage",
    "energy_storage.electrochemical",
    "energy_storage.physical",
    "hydrogen",
    "hydrogen.electrolysis",
    "hydrogen.storage",
    "hydrogen.fuel_cell",
    "new_materials",
    "new_materials.light_alloy",
    "new_materials.polymer",
    "new_materials.functional",
    "new_materials.battery_materials",
    "nonferrous",
    "nonferrous.smelting",
    "nonferrous.recycling",
    "nonferrous.processing",
    "green_computing",
    "green_computing.datacenter",
    "green_computing.scheduling",
    "ecology",
    "ecology.restoration",
    "ecology.monitoring",
    "ecology.pollution",
    "plateau_medicine",
    "plateau_medicine.altitude_disease",
    "plateau_medicine.devices",
    "tibetan_medicine",
    "tibetan_medicine.herbs",
    "tibetan_medicine.preparations",
    "plateau_agriculture",
    "plateau_agriculture.livestock_products",
    "plateau_agriculture.breeding",
    "plateau_agriculture.crops",
    "biomedicine",
    "biomedicine.drugs",
    "biomedicine.natural_products",
    "biomedicine.diagnostics",
    "marine",
    "marine.aquaculture",
    "marine.bioproducts",
    "marine.engineering",
    "equipment",
    "equipment.intelligent_manufacturing",
    "equipment.mining",
    "equipment.rail",
    "ai",
    "ai.vision",
    "ai.llm",
    "integrated_circuits",
    "integrated_circuits.design",
    "integrated_circuits.packaging",
    "integrated_circuits.materials",
    "electronic_info",
    "electronic_info.iot",
    "electronic_info.communication",
    "chemical",
    "chemical.fine",
    "chemical.catalysis",
    "chemical.chlor_alkali",
    "nev",
    "nev.powertrain",
    "nev.charging",
    "digital_economy",
    "digital_economy.industrial_internet",
    "digital_economy.smart_services",
];

/// One yuan is 100 fen, one 万元 is 10 000 yuan.
const FEN_PER_WAN: i64 = 1_000_000;

// ---------------------------------------------------------------------------------------------------
// Field content
// ---------------------------------------------------------------------------------------------------

/// A sub-field and the vocabulary its listings are written from. Every object combines with every
/// qualifier and process into a plausible title: object + qualifier + process.
struct Sub {
    code: &'static str,
    name: &'static str,
    objs: &'static [&'static str],
    quals: &'static [&'static str],
    procs: &'static [&'static str],
    /// Indicator templates with one `{}` and the integer range of its value.
    metrics: &'static [(&'static str, u32, u32)],
    /// Application scenarios (noun phrases).
    uses: &'static [&'static str],
    /// Problem statements (whole sentences).
    pains: &'static [&'static str],
    /// Technical approaches (clauses starting with a verb).
    principles: &'static [&'static str],
    /// Budget and price scale: 1 small, 2 medium, 3 large.
    tier: u8,
}

const SUBS: &[Sub] = &[
    Sub {
        code: "salt_lake.potash",
        name: "钾资源开发利用",
        objs: &["低品位固体钾矿", "光卤石矿", "含钾老卤", "钾混盐", "尾盐"],
        quals: &["", "", "高效", "绿色", "低能耗"],
        procs: &[
            "溶解转化技术",
            "浮选分离工艺",
            "结晶控制技术",
            "提钾工艺",
            "综合利用技术",
        ],
        metrics: &[
            ("氯化钾回收率不低于{}%", 75, 90),
            ("产品氯化钾纯度达到{}%以上", 95, 98),
            ("吨产品综合能耗降低{}%", 10, 30),
            ("尾盐中氯化钾含量低于{}%", 1, 3),
        ],
        uses: &["察尔汗盐湖钾肥生产", "低品位固体钾矿开发", "硫酸钾镁肥生产装置"],
        pains: &[
            "随着高品位钾矿逐年消耗，低品位固体钾矿利用率偏低，钾资源可持续供给压力加大。",
            "现有工艺钾回收率偏低，大量钾资源随尾盐流失，生产成本居高不下。",
        ],
        principles: &[
            "采用固液转化与选择性溶浸耦合工艺",
            "基于盐湖卤水相图优化结晶路径与浮选药剂制度",
            "通过冷分解—正浮选联合流程提高钾的选择性回收",
        ],
        tier: 3,
    },
    Sub {
        code: "salt_lake.magnesium",
        name: "镁资源高值化利用",
        objs: &[
            "高纯氢氧化镁",
            "阻燃级氢氧化镁",
            "电池级氧化镁",
            "纳米氧化镁",
            "硼酸镁晶须",
        ],
        quals: &["", "", "低成本", "绿色", "连续化"],
        procs: &["制备技术", "生产工艺", "晶型调控技术", "产业化技术"],
        metrics: &[
            ("产品纯度达到{}%以上", 97, 99),
            ("镁资源利用率提高{}个百分点", 10, 25),
            ("生产成本降低{}%", 15, 35),
            ("产品粒径D50控制在{}μm以内", 1, 5),
        ],
        uses: &[
            "盐湖提钾老卤综合利用",
            "阻燃材料与功能填料生产",
            "金属镁及镁基材料原料供应",
        ],
        pains: &[
            "盐湖提钾后每年副产大量含镁老卤，长期堆存形成“镁害”，亟需高值化利用途径。",
            "现有镁产品以初级产品为主，品质一致性差，难以进入高端市场。",
        ],
        principles: &[
            "以盐湖老卤为原料，采用沉淀—水热耦合工艺",
            "通过晶型调控与表面改性提高产品一致性",
            "采用喷雾热解与余热回收集成流程降低能耗",
        ],
        tier: 2,
    },
    Sub {
        code: "salt_lake.associated",
        name: "盐湖伴生资源综合利用",
        objs: &["硼酸", "碳酸锶", "铷铯盐", "溴素", "芒硝"],
        quals: &["", "", "高效", "绿色", "低成本"],
        procs: &["萃取分离技术", "提取工艺", "综合回收技术", "提纯技术"],
        metrics: &[
            ("目标元素回收率不低于{}%", 70, 92),
            ("产品纯度达到{}%以上", 95, 99),
            ("萃取剂损耗降低{}%", 20, 50),
            ("吨产品生产成本降低{}%", 10, 30),
        ],
        uses: &["盐湖卤水多元素梯级利用", "提锂尾液综合利用", "盐化工园区副产资源利用"],
        pains: &[
            "卤水中硼、铷、铯等伴生元素含量低、分离难度大，目前大多随尾液排放。",
            "伴生资源分离流程长、药剂消耗大，现有工艺经济性不足。",
        ],
        principles: &[
            "采用新型协同萃取体系实现目标元素选择性分离",
            "构建“提钾—提锂—提硼”梯级利用流程",
            "利用离子交换与膜分离组合工艺实现低浓度元素富集",
        ],
        tier: 2,
    },
    Sub {
        code: "lithium.brine",
        name: "盐湖提锂",
        objs: &["盐湖卤水", "高镁锂比卤水", "原卤", "沉锂母液", "提钾老卤"],
        quals: &["", "", "高效", "低成本", "绿色"],
        procs: &[
            "吸附提锂技术",
            "膜分离提锂技术",
            "电渗析浓缩技术",
            "萃取提锂工艺",
            "提锂吸附剂制备技术",
        ],
        metrics: &[
            ("锂收率不低于{}%", 80, 95),
            ("镁锂分离系数大于{}", 20, 60),
            ("吸附剂工作吸附容量达到{}mg/g", 8, 25),
            ("淡水消耗降低{}%", 20, 50),
            ("吸附剂循环使用寿命超过{}次", 1000, 3000),
        ],
        uses: &["盐湖碳酸锂生产装置", "高镁锂比卤水提锂项目", "沉锂母液回收系统"],
        pains: &[
            "盐湖卤水镁锂比高、锂浓度低，现有提锂装置收率偏低，碳酸锂产能未能充分释放。",
            "吸附剂溶损大、淡水消耗高，在高海拔缺水条件下运行成本偏高。",
        ],
        principles: &[
            "采用铝系吸附剂与膜浓缩耦合的吸附提锂工艺",
            "基于纳滤—电渗析组合工艺实现镁锂深度分离与锂浓缩",
            "采用钛系离子筛吸附剂制备与洗脱制度优化",
            "采用中性磷类萃取体系与多级逆流萃取提锂工艺",
        ],
        tier: 3,
    },
    Sub {
        code: "lithium.salts",
        name: "锂盐精制",
        objs: &[
            "电池级碳酸锂",
            "高纯氯化锂",
            "单水氢氧化锂",
            "电子级氟化锂",
            "高纯碳酸锂",
        ],
        quals: &["", "", "连续化", "低成本", "绿色"],
        procs: &["制备技术", "深度除杂工艺", "结晶控制技术", "生产工艺"],
        metrics: &[
            ("产品主含量达到99.{}%以上", 5, 9),
            ("磁性异物含量低于{}ppb", 20, 50),
            ("钠、钙等杂质含量低于{}ppm", 20, 80),
            ("单位产品生产成本降低{}%", 10, 25),
        ],
        uses: &["锂电池正极材料生产", "现有碳酸锂装置提质改造", "电子级锂盐产品开发"],
        pains: &[
            "现有碳酸锂产品以工业级为主，电池级及电子级产品比例低，附加值有待提升。",
            "产品杂质含量波动大，难以稳定满足高镍正极材料企业的品质要求。",
        ],
        principles: &[
            "采用碳化—热解与离子交换深度除杂工艺",
            "通过结晶过程在线监测与控制实现粒度和形貌调控",
            "采用膜电解与多效蒸发组合流程",
        ],
        tier: 3,
    },
    Sub {
        code: "lithium.recycling",
        name: "锂电池回收利用",
        objs: &["退役动力电池", "废旧磷酸铁锂电池", "三元正极废料", "电池黑粉"],
        quals: &["", "", "绿色", "高效", "短流程"],
        procs: &[
            "有价金属回收技术",
            "湿法冶金回收工艺",
            "直接再生修复技术",
            "选择性提锂工艺",
        ],
        metrics: &[
            ("锂回收率不低于{}%", 85, 95),
            ("镍钴锰回收率不低于{}%", 95, 99),
            ("废水排放量减少{}%", 30, 60),
            ("再生正极材料首次放电比容量达到{}mAh/g", 150, 165),
        ],
        uses: &[
            "动力电池回收拆解企业",
            "正极材料生产废料处理",
            "新能源汽车退役电池综合利用",
        ],
        pains: &[
            "退役动力电池数量快速增长，现有回收工艺流程长、酸碱消耗大，二次污染风险突出。",
            "磷酸铁锂电池回收经济性差，锂回收率低，有价组分未能充分利用。",
        ],
        principles: &[
            "采用选择性浸出与梯度沉淀组合工艺回收有价金属",
            "通过固相补锂与热处理实现正极材料直接再生修复",
            "采用低温焙烧—水浸工艺实现选择性提锂",
            "基于湿法冶金浸出—萃取—沉淀短流程回收工艺",
        ],
        tier: 2,
    },
    Sub {
        code: "clean_energy.photovoltaic",
        name: "光伏发电",
        objs: &["高海拔光伏电站", "光伏组件", "分布式光伏系统", "光伏治沙电站"],
        quals: &["", "", "在线", "低成本", "全天候"],
        procs: &[
            "智能运维系统",
            "故障诊断技术",
            "清洗机器人",
            "功率预测技术",
            "积灰监测装置",
        ],
        metrics: &[
            ("发电量提升{}%", 3, 8),
            ("故障识别准确率不低于{}%", 90, 98),
            ("运维成本降低{}%", 20, 40),
            ("超短期功率预测误差低于{}%", 5, 10),
        ],
        uses: &[
            "海南州、海西州等大型光伏基地",
            "高海拔强紫外风沙环境光伏电站",
            "光伏治沙与牧光互补项目",
        ],
        pains: &[
            "高海拔地区风沙大、昼夜温差大，光伏组件积灰、热斑和隐裂问题突出，人工巡检效率低。",
            "电站规模大、分布广，运维人员不足，故障发现和处置滞后，影响发电收益。",
        ],
        principles: &[
            "融合无人机巡检、红外热成像与深度学习算法实现故障诊断与智能运维",
            "基于多源气象数据和数值天气预报构建功率预测模型",
            "采用无水清洗与自主导航相结合的清洗机器人设计",
            "利用透射率传感与图像分析实现组件积灰在线监测",
        ],
        tier: 2,
    },
    Sub {
        code: "clean_energy.solar_thermal",
        name: "光热发电",
        objs: &[
            "塔式光热电站",
            "槽式集热器",
            "熔盐储热系统",
            "定日镜场",
            "线性菲涅尔集热系统",
        ],
        quals: &["", "", "高效", "低成本"],
        procs: &["优化控制技术", "效率提升技术", "防凝与安全运行技术", "设计与集成技术"],
        metrics: &[
            ("光热转换效率提高{}个百分点", 2, 6),
            ("熔盐系统热损失降低{}%", 10, 25),
            ("定日镜跟踪精度优于{}mrad", 1, 3),
            ("年发电量提升{}%", 3, 10),
        ],
        uses: &["德令哈、共和等光热电站", "光热与光伏互补发电项目", "工业园区清洁供热"],
        pains: &[
            "高寒地区冬季夜间气温低，熔盐管路存在冻堵风险，防凝能耗高。",
            "镜场效率受风沙积尘和跟踪误差影响明显，电站实际发电量低于设计值。",
        ],
        principles: &[
            "基于镜场光学仿真与闭环校正算法实现优化控制",
            "采用分区伴热与智能温控策略保障防凝与安全运行",
            "通过集热、储热和发电系统一体化设计与集成",
            "采用高反射率镜面与选择性吸收涂层提升集热效率",
        ],
        tier: 3,
    },
    Sub {
        code: "clean_energy.grid",
        name: "新能源并网与智能电网",
        objs: &[
            "新能源场站",
            "风电机组",
            "高比例新能源电网",
            "源网荷储一体化项目",
            "特高压外送通道",
        ],
        quals: &["", "", "智能", "高可靠"],
        procs: &[
            "协调控制技术",
            "调度优化系统",
            "状态监测与故障预警系统",
            "构网型控制技术",
        ],
        metrics: &[
            ("新能源利用率提高{}个百分点", 2, 5),
            ("弃风弃光电量降低{}%", 20, 40),
            ("故障预警提前时间达到{}小时以上", 2, 24),
            ("调度计划偏差降低{}%", 15, 35),
        ],
        uses: &["青海清洁能源基地", "风光储一体化项目", "高海拔风电场"],
        pains: &[
            "新能源装机占比持续提高，电网调峰和稳定运行压力加大，局部时段弃风弃光问题仍然存在。",
            "风电机组在高海拔低气压环境下故障率偏高，缺乏有效的早期预警手段。",
        ],
        principles: &[
            "基于多时间尺度滚动优化的源网荷储协调控制与调度",
            "融合SCADA数据与振动信号构建状态监测与故障预警模型",
            "采用虚拟同步机构网型控制策略提升系统惯量支撑能力",
        ],
        tier: 2,
    },
    Sub {
        code: "clean_energy.geothermal",
        name: "地热能开发",
        objs: &["中深层地热", "干热岩", "浅层地热能", "水热型地热"],
        quals: &["", "", "高效", "低成本"],
        procs: &["勘查评价技术", "取热换热技术", "梯级利用技术", "开发利用技术"],
        metrics: &[
            ("单井取热量提高{}%", 15, 40),
            ("系统综合能效比达到{}以上", 3, 5),
            ("回灌率达到{}%以上", 85, 98),
        ],
        uses: &["共和盆地地热资源开发", "高原城镇清洁供暖", "设施农业温室供热"],
        pains: &[
            "高原城镇冬季供暖期长、能耗高，燃煤供暖减排压力大。",
            "地热资源勘查精度不足，开发利用以单一供暖为主，利用效率偏低。",
        ],
        principles: &[
            "采用同轴套管换热与热泵耦合系统",
            "基于地球物理多方法联合反演开展资源评价",
            "构建“发电—供暖—农业”梯级利用模式",
        ],
        tier: 2,
    },
    Sub {
        code: "energy_storage.electrochemical",
        name: "电化学储能",
        objs: &[
            "磷酸铁锂储能电站",
            "全钒液流电池",
            "钠离子电池储能系统",
            "储能电池系统",
            "梯次利用储能系统",
        ],
        quals: &["", "", "智能", "高安全"],
        procs: &[
            "热管理技术",
            "电池管理系统",
            "安全预警技术",
            "寿命评估技术",
            "低温适应性技术",
        ],
        metrics: &[
            ("循环寿命超过{}次", 6000, 12000),
            ("系统能量转换效率达到{}%以上", 85, 92),
            ("热失控预警提前{}分钟以上", 5, 30),
            ("在零下{}℃环境下容量保持率不低于80%", 20, 30),
        ],
        uses: &["新能源配套储能电站", "高海拔低温地区储能项目", "工商业用户侧储能"],
        pains: &[
            "高原地区冬季气温低、昼夜温差大，储能电池容量衰减快、一致性差。",
            "储能电站安全事故时有发生，现有监测手段难以及时发现热失控早期征兆。",
        ],
        principles: &[
            "融合电压、温度和气体多参数监测实现热失控安全预警",
            "采用液冷与相变材料复合热管理方案",
            "基于电化学阻抗谱和等效电路模型进行状态估计与寿命评估",
            "采用自加热与保温一体化设计提升低温适应性",
            "基于云边协同架构的电池管理系统与均衡控制策略",
        ],
        tier: 3,
    },
    Sub {
        code: "energy_storage.physical",
        name: "物理储能",
        objs: &[
            "压缩空气储能系统",
            "熔盐储能装置",
            "重力储能系统",
            "飞轮储能装置",
            "二氧化碳储能系统",
        ],
        quals: &["", "", "大容量", "低成本"],
        procs: &["设计与集成技术", "高效换热技术", "运行控制技术", "关键部件制造技术"],
        metrics: &[
            ("系统电—电转换效率达到{}%以上", 60, 72),
            ("单位千瓦时投资降低{}%", 15, 30),
            ("储能时长达到{}小时以上", 4, 10),
        ],
        uses: &["电网侧大规模储能", "新能源基地长时储能", "火电机组灵活性改造"],
        pains: &[
            "新能源基地对长时储能需求迫切，电化学储能在长时应用场景下经济性不足。",
            "现有物理储能系统关键部件依赖外购，系统效率和投资成本有待优化。",
        ],
        principles: &[
            "采用绝热压缩与高温储热耦合循环",
            "基于多物理场仿真优化换热器结构",
            "通过模块化设计与集成降低系统造价",
            "基于多工况仿真的运行控制与调度策略",
            "通过关键部件国产化设计与制造工艺优化",
        ],
        tier: 3,
    },
    Sub {
        code: "hydrogen.electrolysis",
        name: "可再生能源制氢",
        objs: &[
            "碱性电解槽",
            "PEM电解槽",
            "风光耦合制氢系统",
            "离网制氢系统",
            "固体氧化物电解池",
        ],
        quals: &["", "", "大功率"],
        procs: &["宽功率波动适应技术", "能效提升技术", "集成控制技术", "安全监测技术"],
        metrics: &[
            ("直流电耗降至4.{}kWh/Nm³以下", 2, 6),
            ("负荷调节范围{}%～110%", 10, 30),
            ("单槽产氢量达到{}Nm³/h", 500, 2000),
            ("冷启动时间缩短{}%", 30, 60),
        ],
        uses: &["德令哈、格尔木等绿氢示范项目", "风光制氢一体化项目", "化工园区绿氢替代"],
        pains: &[
            "风光发电出力波动大，现有电解槽对宽功率波动适应能力不足，频繁启停影响寿命。",
            "制氢电耗高，绿氢成本与灰氢相比仍缺乏竞争力。",
        ],
        principles: &[
            "采用新型复合电极与零极距电解槽结构",
            "基于功率预测的多槽协同启停与宽功率波动适应控制策略",
            "通过电解系统与风光电源协同优化提升能效",
            "融合氢中氧、氧中氢浓度在线监测的安全监测方案",
        ],
        tier: 3,
    },
    Sub {
        code: "hydrogen.storage",
        name: "氢储运与利用",
        objs: &[
            "绿氢合成氨",
            "固态储氢",
            "高压气态储氢",
            "天然气管道掺氢",
            "液氨储运",
            "氢气长管拖车",
        ],
        quals: &[""],
        procs: &["关键技术", "系统集成技术", "安全评价技术", "工程化技术"],
        metrics: &[
            ("合成氨单位能耗降低{}%", 10, 25),
            ("氢气损耗率低于{}%", 1, 3),
            ("掺氢比例达到{}%", 5, 20),
            ("储运成本降低{}%", 15, 35),
        ],
        uses: &["绿氢就地消纳项目", "化工园区氢能利用", "氢能交通示范线路"],
        pains: &[
            "绿氢生产与消纳存在空间错配，长距离储运成本高、安全风险大。",
            "氢气储运环节标准和检测手段不完善，项目安全评价依据不足。",
        ],
        principles: &[
            "采用镁基储氢材料与热管理一体化设计",
            "基于动态工况的柔性合成氨工艺",
            "融合泄漏监测与风险量化评估方法开展安全评价",
            "通过储运、加注与应用环节的系统集成优化",
        ],
        tier: 3,
    },
    Sub {
        code: "hydrogen.fuel_cell",
        name: "氢燃料电池",
        objs: &[
            "燃料电池电堆",
            "氢燃料电池系统",
            "燃料电池重卡动力系统",
            "燃料电池备用电源",
        ],
        quals: &["", "", "低成本"],
        procs: &["高原适应性技术", "耐久性提升技术", "低温冷启动技术", "集成设计技术"],
        metrics: &[
            ("额定功率达到{}kW", 80, 200),
            ("在零下{}℃实现无辅助冷启动", 20, 30),
            ("电堆寿命超过{}小时", 10000, 25000),
            ("铂载量降低{}%", 20, 50),
        ],
        uses: &["矿区及工业园区氢能重卡", "高海拔氢能交通示范", "通信基站备用电源"],
        pains: &[
            "高海拔低气压环境下燃料电池系统功率衰减明显，空压机效率下降。",
            "燃料电池系统成本高、寿命短，限制了在重载运输领域的推广。",
        ],
        principles: &[
            "采用高原工况自适应空气供给与水热管理策略",
            "通过低铂催化剂与有序化膜电极结构设计提升耐久性",
            "基于多目标优化的系统集成设计与控制方法",
            "采用电堆自加热与吹扫策略实现低温冷启动",
        ],
        tier: 2,
    },
    Sub {
        code: "new_materials.light_alloy",
        name: "轻金属合金材料",
        objs: &["高强韧镁合金", "铝合金型材", "镁合金压铸件", "铝锂合金", "稀土镁合金"],
        quals: &["", "", "低成本", "高效"],
        procs: &["制备技术", "精密成形技术", "表面防护技术", "焊接技术"],
        metrics: &[
            ("抗拉强度达到{}MPa以上", 300, 500),
            ("延伸率不低于{}%", 8, 20),
            ("耐中性盐雾时间超过{}小时", 500, 1500),
            ("成材率提高{}个百分点", 5, 15),
        ],
        uses: &["轨道交通与汽车轻量化", "航空航天结构件", "电子产品壳体"],
        pains: &[
            "本地镁、铝资源丰富，但合金产品以初级锭材为主，精深加工能力不足。",
            "镁合金耐蚀性差、成形难，制约了在汽车等领域的规模化应用。",
        ],
        principles: &[
            "采用微合金化与大塑性变形相结合的工艺",
            "通过微弧氧化与有机涂层复合表面防护",
            "基于半固态精密成形与数值模拟优化工艺参数",
            "采用搅拌摩擦焊与激光复合焊接工艺",
        ],
        tier: 2,
    },
    Sub {
        code: "new_materials.polymer",
        name: "高分子及复合材料",
        objs: &[
            "碳纤维复合材料",
            "无卤阻燃高分子材料",
            "玄武岩纤维",
            "聚酰亚胺薄膜",
            "生物基可降解塑料",
        ],
        quals: &["", "", "低成本"],
        procs: &["制备技术", "成型工艺", "改性技术", "规模化生产技术"],
        metrics: &[
            ("拉伸强度提高{}%", 15, 40),
            ("极限氧指数达到{}以上", 28, 35),
            ("生产成本降低{}%", 15, 30),
            ("热分解温度达到{}℃以上", 350, 550),
        ],
        uses: &["新能源装备结构件", "电线电缆与建筑材料", "柔性电子与显示器件"],
        pains: &[
            "高端高分子材料依赖外购，本地企业产品同质化严重、附加值低。",
            "现有复合材料生产工艺效率低、能耗高，产品性能稳定性不足。",
        ],
        principles: &[
            "采用原位聚合与纳米填料协同改性方法",
            "通过连续化成型装备与工艺参数优化",
            "利用盐湖镁系阻燃剂进行复配改性",
        ],
        tier: 2,
    },
    Sub {
        code: "new_materials.functional",
        name: "功能材料",
        objs: &[
            "高纯石英砂",
            "石墨烯导热膜",
            "稀土发光材料",
            "多孔吸附材料",
            "光伏玻璃减反射涂层",
        ],
        quals: &["", "", "低成本", "绿色"],
        procs: &["制备技术", "规模化制备技术", "性能调控技术", "应用技术"],
        metrics: &[
            ("关键性能指标提升{}%", 15, 40),
            ("产品合格率达到{}%以上", 90, 98),
            ("生产成本降低{}%", 15, 35),
            ("关键杂质含量低于{}ppm", 5, 30),
        ],
        uses: &["光伏与半导体产业配套", "电子信息器件散热", "环境治理与气体分离"],
        pains: &[
            "高端功能材料长期依赖外购，供货周期长、价格高，影响下游产品成本。",
            "实验室制备的功能材料批次稳定性差，规模化制备技术尚未突破。",
        ],
        principles: &[
            "采用溶胶—凝胶与可控热处理相结合的工艺",
            "通过组分设计与微结构调控提升材料性能",
            "利用连续化制备装备实现稳定量产",
        ],
        tier: 2,
    },
    Sub {
        code: "new_materials.battery_materials",
        name: "新能源电池材料",
        objs: &[
            "磷酸锰铁锂正极材料",
            "硅碳负极材料",
            "固态电解质",
            "钠离子电池正极材料",
            "高镍三元正极材料",
        ],
        quals: &["", "", "低成本", "高性能"],
        procs: &["制备技术", "包覆改性技术", "连续化生产工艺", "产业化技术"],
        metrics: &[
            ("首次库伦效率达到{}%以上", 85, 92),
            ("循环{}次容量保持率不低于80%", 2000, 5000),
            ("压实密度提高{}%", 5, 15),
            ("生产成本降低{}%", 10, 30),
        ],
        uses: &["动力电池生产", "储能电池生产", "本地锂盐产品下游延伸"],
        pains: &[
            "本地锂盐产品多以原料形式外销，正负极材料等下游高附加值环节缺失。",
            "现有电池材料循环寿命和倍率性能不足，难以满足储能与动力电池客户要求。",
        ],
        principles: &[
            "采用共沉淀与固相烧结相结合的工艺",
            "通过碳包覆与离子掺杂协同改性",
            "基于喷雾干燥与连续回转窑的连续化生产流程",
        ],
        tier: 3,
    },
    Sub {
        code: "nonferrous.smelting",
        name: "绿色低碳冶金",
        objs: &["铜冶炼", "铅锌冶炼", "电解铝", "镍钴冶炼", "铁合金冶炼"],
        quals: &[""],
        procs: &[
            "节能降碳技术",
            "烟气净化技术",
            "短流程工艺",
            "过程控制技术",
            "余热回收技术",
            "数字化管控系统",
        ],
        metrics: &[
            ("吨产品综合能耗降低{}%", 8, 20),
            ("二氧化硫排放浓度低于{}mg/m³", 35, 100),
            ("金属直收率提高{}个百分点", 2, 6),
            ("余热利用率达到{}%以上", 60, 85),
        ],
        uses: &["有色金属冶炼企业", "冶金工业园区", "电解铝及铁合金企业"],
        pains: &[
            "冶炼工序能耗高、碳排放强度大，面临日益严格的能耗双控和环保要求。",
            "现有冶炼流程长、自动化水平低，金属回收率和产品质量波动较大。",
        ],
        principles: &[
            "采用富氧强化熔炼与余热梯级回收集成技术",
            "基于机理模型与大数据融合的过程优化控制",
            "通过短流程冶炼工艺减少中间环节和物料损失",
            "采用高效脱硫脱硝与除尘一体化烟气净化工艺",
            "通过能源计量与数字化管控平台实现节能降碳",
        ],
        tier: 3,
    },
    Sub {
        code: "nonferrous.recycling",
        name: "冶金固废资源化",
        objs: &["冶炼废渣", "电解铝大修渣", "含锌烟尘", "铜阳极泥", "赤泥"],
        quals: &["", "", "高效", "绿色"],
        procs: &["资源化利用技术", "有价金属回收技术", "无害化处理技术", "综合利用工艺"],
        metrics: &[
            ("有价金属回收率达到{}%以上", 85, 96),
            ("固废综合利用率达到{}%以上", 70, 95),
            ("处理成本降低{}%", 15, 35),
        ],
        uses: &["有色金属冶炼企业", "工业固废集中处置中心", "建材与再生金属企业"],
        pains: &[
            "冶炼固废堆存量大，含有重金属等有害组分，环境风险和处置成本持续上升。",
            "固废中有价金属含量可观，但现有回收工艺流程复杂、回收率低。",
        ],
        principles: &[
            "采用火法富集—湿法分离联合工艺",
            "通过高温熔融与玻璃化固化实现无害化",
            "利用选择性浸出与电积技术回收有价金属",
        ],
        tier: 2,
    },
    Sub {
        code: "nonferrous.processing",
        name: "有色金属精深加工",
        objs: &["电池铝箔", "锂电铜箔", "高纯铝", "镍基高温合金", "钛合金板材"],
        quals: &["", "", "高精度", "低成本"],
        procs: &["制备技术", "轧制工艺", "质量控制技术", "表面处理技术"],
        metrics: &[
            ("产品厚度偏差控制在±{}%以内", 1, 3),
            ("成品率提高{}个百分点", 3, 10),
            ("抗拉强度提高{}%", 10, 25),
        ],
        uses: &["新能源电池配套材料", "航空航天与高端装备", "电子信息产业"],
        pains: &[
            "本地有色金属以初级产品为主，高端板带箔材和高纯金属依赖外地加工。",
            "精深加工产品成品率低、表面质量不稳定，难以进入高端客户供应链。",
        ],
        principles: &[
            "采用精密轧制与在线测厚闭环控制",
            "通过多级热处理与织构调控提升性能",
            "利用区域熔炼与定向凝固实现深度提纯",
        ],
        tier: 2,
    },
    Sub {
        code: "green_computing.datacenter",
        name: "绿色数据中心",
        objs: &[
            "高原数据中心",
            "液冷服务器",
            "智算中心",
            "数据中心制冷系统",
            "边缘数据中心",
        ],
        quals: &["", "", "智能"],
        procs: &["节能优化技术", "能效管理平台", "余热回收技术", "自然冷却技术"],
        metrics: &[
            ("PUE降至1.{}以下", 15, 25),
            ("制冷能耗降低{}%", 20, 45),
            ("绿电使用比例达到{}%以上", 60, 95),
            ("余热回收利用率达到{}%", 30, 60),
        ],
        uses: &["青海、甘肃等地新建数据中心", "“东数西算”算力枢纽节点", "园区智算中心"],
        pains: &[
            "数据中心制冷能耗占比高，传统风冷方案难以满足高密度算力散热需求。",
            "数据中心用电负荷大，绿电消纳与算力负载缺乏协同，运行成本偏高。",
        ],
        principles: &[
            "利用高原冷凉气候与间接蒸发冷却实现自然冷却",
            "基于人工智能算法对冷却系统进行节能优化",
            "采用冷板式液冷与余热回收一体化设计",
            "通过能耗计量与数字孪生构建能效管理平台",
        ],
        tier: 2,
    },
    Sub {
        code: "green_computing.scheduling",
        name: "算力调度",
        objs: &["跨区域算力", "异构算力", "边缘算力", "智算集群"],
        quals: &[""],
        procs: &[
            "调度平台",
            "智能调度技术",
            "能耗感知调度系统",
            "绿电协同调度技术",
            "负载预测模型",
            "交易服务平台",
        ],
        metrics: &[
            ("算力资源利用率提高{}%", 15, 40),
            ("任务平均等待时间缩短{}%", 20, 50),
            ("单位算力能耗降低{}%", 10, 30),
        ],
        uses: &["全国一体化算力网络枢纽节点", "绿电富集地区算力中心", "企业混合云平台"],
        pains: &[
            "算力资源分布不均、利用率低，东部算力需求与西部绿电资源缺乏高效衔接。",
            "异构算力资源管理分散，任务调度依赖人工，难以兼顾时延、成本与能耗。",
        ],
        principles: &[
            "基于强化学习的多目标算力智能调度算法",
            "融合绿电出力预测与任务优先级的协同调度策略",
            "采用云原生架构统一纳管异构算力资源",
            "构建算力资源计量与交易结算服务体系",
        ],
        tier: 2,
    },
    Sub {
        code: "ecology.restoration",
        name: "生态保护修复",
        objs: &["退化高寒草地", "黑土滩", "矿山废弃地", "沙化土地", "盐碱化土地"],
        quals: &["", "", "近自然", "低成本"],
        procs: &["生态修复技术", "植被恢复技术", "综合治理技术", "修复效果评价技术"],
        metrics: &[
            ("植被盖度提高到{}%以上", 60, 85),
            ("乡土草种成活率达到{}%以上", 75, 92),
            ("治理成本降低{}%", 15, 35),
            ("土壤有机质含量提高{}%", 10, 30),
        ],
        uses: &["三江源国家公园", "祁连山生态保护修复工程", "柴达木盆地矿区"],
        pains: &[
            "高寒地区生长季短、土壤贫瘠，退化草地和矿山迹地自然恢复缓慢，治理成果易反弹。",
            "现有修复技术对乡土植物和本地条件针对性不足，修复成本高。",
        ],
        principles: &[
            "采用乡土草种混播与微生物菌剂协同改良土壤",
            "基于遥感与地面调查的分区分类综合治理模式",
            "利用生态袋与植生毯等工程措施结合植被恢复",
            "构建植被、土壤与生物多样性多指标修复效果评价体系",
        ],
        tier: 1,
    },
    Sub {
        code: "ecology.monitoring",
        name: "生态环境监测",
        objs: &["高寒湿地", "河湖水环境", "野生动物", "冰川冻土", "草原生态"],
        quals: &["", "", "智能", "实时"],
        procs: &["监测系统", "遥感监测技术", "预警平台", "在线监测装置"],
        metrics: &[
            ("监测要素识别准确率达到{}%以上", 85, 96),
            ("数据回传时效提高{}%", 30, 70),
            ("野外设备连续无故障运行{}天以上", 180, 365),
        ],
        uses: &["三江源、祁连山等国家公园", "黄河上游水生态保护", "高原自然保护地"],
        pains: &[
            "高原生态监测点位分散、环境恶劣，人工巡护成本高、数据时效性差。",
            "现有监测设备在低温、强紫外条件下故障率高，数据连续性难以保障。",
        ],
        principles: &[
            "融合卫星遥感、无人机与地面传感网络",
            "基于深度学习的目标识别与变化检测算法",
            "采用低功耗广域物联网与太阳能供电的在线监测装置设计",
            "构建多要素监测与分级预警平台",
        ],
        tier: 1,
    },
    Sub {
        code: "ecology.pollution",
        name: "污染治理与减污降碳",
        objs: &["工业固体废物", "高盐废水", "农村生活污水", "工业园区废气", "垃圾渗滤液"],
        quals: &["", "", "高效", "低成本"],
        procs: &["处理技术", "资源化利用技术", "综合治理技术"],
        metrics: &[
            ("污染物去除率达到{}%以上", 85, 98),
            ("运行成本降低{}%", 20, 40),
            ("资源化利用率达到{}%以上", 60, 90),
        ],
        uses: &["柴达木循环经济试验区", "高原城镇与农牧区", "化工及冶金园区"],
        pains: &[
            "高原低温低氧条件下常规生物处理效率低，冬季出水难以稳定达标。",
            "工业园区固废和高盐废水产生量大，处置成本高、资源化水平低。",
        ],
        principles: &[
            "采用耐低温菌群强化的生物处理工艺",
            "通过膜浓缩与分盐结晶实现资源化",
            "利用催化氧化与吸附组合工艺深度净化",
        ],
        tier: 2,
    },
    Sub {
        code: "plateau_medicine.altitude_disease",
        name: "高原病防治",
        objs: &[
            "急性高原病",
            "高原红细胞增多症",
            "高原肺水肿",
            "慢性高原病",
            "高原睡眠障碍",
        ],
        quals: &[""],
        procs: &[
            "早期诊断技术",
            "防治药物",
            "风险评估与预警模型",
            "综合防治技术",
            "无创监测技术",
        ],
        metrics: &[
            ("诊断准确率达到{}%以上", 85, 95),
            ("发病率降低{}%", 20, 50),
            ("预警灵敏度达到{}%以上", 80, 95),
        ],
        uses: &["高海拔地区医疗机构", "进青进藏人员健康保障", "高原施工与驻勤人员"],
        pains: &[
            "高原病发病隐匿、进展快，基层医疗机构缺乏早期识别和规范防治手段。",
            "急进高原人员数量大，现有预防药物副作用多，个体化防治方案不足。",
        ],
        principles: &[
            "基于多组学标志物筛选与机器学习建模实现早期诊断",
            "以高原特色药用植物活性成分为基础研制防治药物",
            "结合可穿戴血氧无创监测与临床指标进行风险评估",
            "建立预防、干预与康复相结合的综合防治方案",
        ],
        tier: 1,
    },
    Sub {
        code: "plateau_medicine.devices",
        name: "高原医疗与供氧装备",
        objs: &[
            "便携式制氧机",
            "弥散式供氧系统",
            "高原型高压氧舱",
            "血氧监测设备",
            "车载制氧装置",
        ],
        quals: &[""],
        procs: &["研制", "智能控制技术", "小型化设计技术", "关键部件国产化技术"],
        metrics: &[
            ("氧浓度达到{}%以上", 90, 93),
            ("整机功耗降低{}%", 15, 35),
            ("运行噪声低于{}dB", 40, 50),
            ("整机重量减轻{}%", 20, 40),
        ],
        uses: &["高海拔地区医疗机构", "高原学校与办公场所", "高原旅游与交通运输"],
        pains: &[
            "高海拔地区低氧环境影响人员健康和工作效率，现有供氧设备能耗高、噪声大。",
            "高原医疗装备关键部件依赖外购，售后维护周期长，基层使用不便。",
        ],
        principles: &[
            "采用分子筛变压吸附与智能流量调节",
            "基于环境氧分压反馈的闭环智能控制策略",
            "通过结构优化与低噪声压缩机选型实现小型化设计",
            "通过关键部件国产化替代降低整机成本",
        ],
        tier: 1,
    },
    Sub {
        code: "tibetan_medicine.herbs",
        name: "藏药材种植与资源保护",
        objs: &[
            "藏药材",
            "川贝母",
            "唐古特大黄",
            "独一味",
            "红景天",
            "羌活",
            "藏茵陈",
            "秦艽",
        ],
        quals: &[""],
        procs: &[
            "规范化种植与质量控制",
            "人工繁育技术",
            "野生抚育技术",
            "产地加工技术",
            "质量标准研究",
        ],
        metrics: &[
            ("种苗成活率达到{}%以上", 75, 92),
            ("有效成分含量提高{}%", 10, 30),
            ("亩产提高{}%", 15, 40),
        ],
        uses: &[
            "青海、甘南等藏药材主产区",
            "藏药生产企业原料基地",
            "高寒草地仿野生种植基地",
        ],
        pains: &[
            "藏药材野生资源日益减少，人工种植规范化程度低，药材质量不稳定。",
            "产地加工方法粗放，缺乏统一质量标准，影响藏药制剂质量。",
        ],
        principles: &[
            "建立种子种苗繁育、田间管理和采收加工全流程技术规范",
            "采用指纹图谱与多指标成分测定相结合的质量评价方法",
            "利用组织培养与仿野生栽培相结合的繁育体系",
        ],
        tier: 1,
    },
    Sub {
        code: "tibetan_medicine.preparations",
        name: "藏药制剂",
        objs: &["藏药经典名方", "藏药丸剂", "藏药浴", "藏药外用制剂", "藏药胶囊"],
        quals: &[""],
        procs: &[
            "二次开发",
            "质量标准提升研究",
            "现代化生产工艺",
            "药效物质基础研究",
            "安全性评价",
        ],
        metrics: &[
            ("含量测定指标增加{}项", 2, 5),
            ("溶出度提高{}%", 15, 40),
            ("生产效率提高{}%", 20, 50),
        ],
        uses: &["藏药生产企业", "医疗机构藏药制剂", "藏医药健康产品开发"],
        pains: &[
            "传统藏药制剂工艺以手工为主，批间一致性差，质量标准难以满足现行要求。",
            "藏药有效成分和作用机理研究不足，制约了产品二次开发和市场推广。",
        ],
        principles: &[
            "采用现代制剂技术对传统工艺进行现代化改进",
            "基于网络药理学与化学成分分析阐明药效物质基础",
            "建立重金属及有害元素控制与安全性评价方法",
            "建立多指标含量测定与指纹图谱相结合的质量标准",
            "基于临床经验与循证研究开展经典名方二次开发",
        ],
        tier: 2,
    },
    Sub {
        code: "plateau_agriculture.livestock_products",
        name: "牦牛藏羊产品加工",
        objs: &["牦牛乳", "牦牛肉", "藏羊肉", "高原乳制品", "牦牛酸奶"],
        quals: &[""],
        procs: &[
            "深加工关键技术",
            "冷链保鲜技术",
            "功能产品开发",
            "质量追溯技术",
            "标准化加工技术",
        ],
        metrics: &[
            ("产品货架期延长{}天以上", 30, 120),
            ("蛋白质等营养成分保留率达到{}%以上", 85, 95),
            ("产品附加值提高{}%", 20, 60),
        ],
        uses: &["青海牦牛、藏羊主产区", "高原特色乳肉加工企业", "农牧区合作社"],
        pains: &[
            "牦牛乳、牦牛肉等产品以初级加工为主，精深加工和品牌化不足，附加值偏低。",
            "牧区冷链基础设施薄弱，产品保鲜期短，长距离运输损耗大。",
        ],
        principles: &[
            "采用低温膜过滤与生物发酵相结合的深加工工艺",
            "基于区块链与物联网的全程质量追溯方案",
            "利用超高压杀菌与气调包装延长冷链保鲜期",
            "以乳蛋白和活性肽为原料开发功能产品",
            "建立原料分级、加工与检验全流程标准化规程",
        ],
        tier: 1,
    },
    Sub {
        code: "plateau_agriculture.breeding",
        name: "高原畜牧养殖",
        objs: &["牦牛", "藏羊", "柴达木绒山羊", "高原型肉牛"],
        quals: &[""],
        procs: &[
            "高效繁育技术",
            "冷季补饲技术",
            "疫病防控技术",
            "良种选育技术",
            "舍饲半舍饲养殖技术",
        ],
        metrics: &[
            ("繁殖成活率提高{}个百分点", 8, 20),
            ("冷季掉膘损失减少{}%", 20, 50),
            ("出栏周期缩短{}个月", 3, 12),
        ],
        uses: &["青海环湖及青南牧区", "农牧交错区规模养殖场", "生态畜牧业合作社"],
        pains: &[
            "高寒牧区冷季牧草短缺，牦牛藏羊“夏壮、秋肥、冬瘦、春乏”问题突出。",
            "良种覆盖率低、繁殖率不高，养殖效益和抗风险能力不足。",
        ],
        principles: &[
            "结合同期发情与人工授精的高效繁育技术",
            "利用本地饲草资源配制冷季补饲全混合日粮",
            "基于分子标记辅助选择开展良种选育",
            "建立免疫程序与疫病监测预警相结合的防控体系",
            "采用暖棚圈舍与精准饲喂的舍饲半舍饲养殖模式",
        ],
        tier: 1,
    },
    Sub {
        code: "plateau_agriculture.crops",
        name: "高原特色种植",
        objs: &["青稞", "枸杞", "藜麦", "马铃薯", "春油菜", "蚕豆", "沙棘", "黑果枸杞"],
        quals: &[""],
        procs: &[
            "新品种选育",
            "高效栽培技术",
            "精深加工技术",
            "病虫害绿色防控技术",
            "机械化种植技术",
        ],
        metrics: &[
            ("亩产提高{}%", 10, 30),
            ("农药使用量减少{}%", 20, 50),
            ("优质品率达到{}%以上", 80, 95),
            ("加工转化率提高{}%", 15, 40),
        ],
        uses: &[
            "柴达木盆地枸杞藜麦种植区",
            "河湟谷地特色种植区",
            "高原特色农产品加工园区",
        ],
        pains: &[
            "高原特色作物品种退化、栽培管理粗放，单产和品质不稳定。",
            "特色农产品加工链条短，精深加工产品少，产业附加值低。",
        ],
        principles: &[
            "利用分子育种与田间表型鉴定相结合开展新品种选育",
            "集成水肥一体化与测土配方的高效栽培模式",
            "采用低温烘焙、超微粉碎与生物转化的精深加工工艺",
            "采用生物农药与理化诱控相结合的绿色防控方案",
            "通过农机农艺融合实现机械化种植与收获",
        ],
        tier: 1,
    },
    Sub {
        code: "biomedicine.drugs",
        name: "创新药物研发",
        objs: &[
            "抗肿瘤小分子药物",
            "多肽药物",
            "单克隆抗体",
            "中药创新药",
            "抗高原缺氧药物",
        ],
        quals: &[""],
        procs: &["研发", "制备工艺", "临床前研究", "质量研究", "药效学评价"],
        metrics: &[
            ("目标产物收率提高{}%", 15, 40),
            ("关键杂质控制在0.{}%以下", 1, 5),
            ("生产周期缩短{}%", 20, 40),
        ],
        uses: &["创新药研发企业", "医药产业园区", "临床急需药品开发"],
        pains: &[
            "企业创新药管线储备不足，缺乏具有自主知识产权的候选药物。",
            "现有制备工艺收率低、杂质控制难，难以满足注册申报要求。",
        ],
        principles: &[
            "基于结构生物学与计算机辅助药物设计",
            "采用连续流反应与绿色合成的制备工艺",
            "建立符合注册要求的质量研究与稳定性评价体系",
            "通过多种动物模型系统开展药效学评价",
        ],
        tier: 3,
    },
    Sub {
        code: "biomedicine.natural_products",
        name: "天然产物与功能食品",
        objs: &[
            "枸杞多糖",
            "沙棘黄酮",
            "红景天苷",
            "黑果枸杞花青素",
            "白刺果",
            "牦牛骨胶原蛋白肽",
        ],
        quals: &[""],
        procs: &["提取纯化技术", "功能食品开发", "生物活性评价", "制备工艺"],
        metrics: &[
            ("提取得率提高{}%", 15, 40),
            ("产品纯度达到{}%以上", 80, 95),
            ("有机溶剂用量减少{}%", 30, 60),
        ],
        uses: &["保健食品与功能食品企业", "高原特色生物资源加工园区", "化妆品原料生产"],
        pains: &[
            "高原特色生物资源丰富，但产品多为初级原料，活性成分提取率低、纯度不高。",
            "功能性评价数据不足，产品同质化严重，难以形成高端品牌。",
        ],
        principles: &[
            "采用超声辅助提取与大孔树脂纯化联用工艺",
            "通过细胞与动物模型系统评价生物活性",
            "利用酶解与膜分离技术制备高纯度产品",
            "以活性成分为基础开发功能食品",
        ],
        tier: 1,
    },
    Sub {
        code: "biomedicine.diagnostics",
        name: "体外诊断",
        objs: &[
            "分子诊断试剂",
            "即时检测（POCT）设备",
            "免疫检测试剂盒",
            "病原快速检测系统",
        ],
        quals: &[""],
        procs: &["研发", "关键原料制备技术", "产业化技术", "质量控制技术"],
        metrics: &[
            ("检测灵敏度达到{}%以上", 90, 99),
            ("检测时间缩短至{}分钟以内", 15, 45),
            ("关键原料成本降低{}%", 20, 50),
        ],
        uses: &["基层医疗机构", "疾病预防控制中心", "第三方医学检验实验室"],
        pains: &[
            "高原及偏远地区基层医疗机构检测能力薄弱，样本外送周期长。",
            "诊断试剂关键原料依赖外购，成本高、供货不稳定。",
        ],
        principles: &[
            "采用微流控芯片与等温扩增技术",
            "基于重组表达与亲和纯化制备关键抗原抗体",
            "建立全流程质量控制与溯源体系",
        ],
        tier: 2,
    },
    Sub {
        code: "marine.aquaculture",
        name: "海水养殖",
        objs: &["大黄鱼", "海参", "三文鱼", "对虾", "许氏平鲉", "牡蛎"],
        quals: &[""],
        procs: &["良种选育技术", "工厂化养殖技术", "病害防控技术", "深远海养殖技术"],
        metrics: &[
            ("养殖成活率提高{}个百分点", 10, 25),
            ("饲料系数降低{}%", 10, 25),
            ("养殖周期缩短{}%", 10, 30),
        ],
        uses: &["青岛国家深远海绿色养殖试验区", "沿海工厂化养殖基地", "深远海养殖平台"],
        pains: &[
            "近海养殖空间受限、病害频发，养殖品种种质退化问题突出。",
            "深远海养殖装备与养殖工艺配套不足，单位水体产出效益不高。",
        ],
        principles: &[
            "基于全基因组选择的良种培育技术",
            "采用循环水处理与精准投喂集成的工厂化养殖系统",
            "利用免疫增强剂与生态防控相结合的病害防治方案",
            "依托养殖工船与深水网箱的深远海养殖模式",
        ],
        tier: 2,
    },
    Sub {
        code: "marine.bioproducts",
        name: "海洋药物与生物制品",
        objs: &["海洋多糖", "海藻酸盐", "鱼皮胶原蛋白肽", "海洋微生物酶", "岩藻多糖"],
        quals: &[""],
        procs: &["提取制备技术", "医用材料开发", "高值化利用技术", "功能制品开发"],
        metrics: &[
            ("产品得率提高{}%", 15, 40),
            ("产品纯度达到{}%以上", 85, 98),
            ("生产成本降低{}%", 15, 35),
        ],
        uses: &["海洋生物医药企业", "医用敷料与组织工程材料", "海洋功能食品开发"],
        pains: &[
            "海洋生物资源加工以初级产品为主，高值化利用程度低。",
            "海洋生物制品制备工艺稳定性不足，难以满足医用级产品要求。",
        ],
        principles: &[
            "采用定向酶解与膜分离耦合的提取制备工艺",
            "基于分子量精准调控的制备方法",
            "通过交联改性提高医用材料力学性能与生物相容性",
            "以加工副产物为原料实现高值化利用",
            "开发面向健康消费的系列功能制品",
        ],
        tier: 2,
    },
    Sub {
        code: "marine.engineering",
        name: "海洋工程装备与信息",
        objs: &[
            "海洋观测浮标",
            "水下机器人",
            "海底管道",
            "海上风电基础",
            "深远海养殖平台",
        ],
        quals: &[""],
        procs: &["研制", "防腐技术", "智能监测系统", "检测技术"],
        metrics: &[
            ("连续无故障工作时间超过{}天", 90, 365),
            ("腐蚀速率降低{}%", 30, 60),
            ("监测数据传输成功率达到{}%以上", 90, 99),
        ],
        uses: &["近海及深远海观测网", "海上风电场", "海洋油气与养殖平台"],
        pains: &[
            "海洋环境高盐高湿、腐蚀严重，装备寿命短、维护成本高。",
            "海洋工程设施分布广、监测手段有限，安全隐患难以及时发现。",
        ],
        principles: &[
            "采用复合涂层与阴极保护联合防腐方案",
            "基于水声通信与卫星回传的数据传输架构",
            "利用多传感器融合与数字孪生技术实现智能监测",
            "采用超声导波与水下机器人联合检测",
        ],
        tier: 3,
    },
    Sub {
        code: "equipment.intelligent_manufacturing",
        name: "智能制造",
        objs: &["数控机床", "工业机器人", "离散制造生产线", "化工装置", "盐化工生产线"],
        quals: &[""],
        procs: &["数字孪生系统", "预测性维护技术", "智能化改造技术", "质量在线检测技术"],
        metrics: &[
            ("设备综合效率提高{}%", 10, 25),
            ("非计划停机时间减少{}%", 30, 60),
            ("产品不良率降低{}%", 20, 50),
        ],
        uses: &["装备制造企业", "流程工业企业", "工业园区智能工厂"],
        pains: &[
            "生产设备自动化、信息化水平低，依赖人工经验，产品质量波动大。",
            "关键设备故障难以提前发现，非计划停机造成较大经济损失。",
        ],
        principles: &[
            "融合机理模型与工业大数据构建数字孪生系统",
            "基于振动、温度等多源信号的预测性维护算法",
            "采用机器视觉与边缘计算实现质量在线检测",
            "通过设备联网与工艺参数优化实施智能化改造",
        ],
        tier: 2,
    },
    Sub {
        code: "equipment.mining",
        name: "矿山与盐湖装备",
        objs: &["盐田采收装备", "矿用卡车", "带式输送机", "浮选设备", "卤水输送泵"],
        quals: &[""],
        procs: &["智能化升级技术", "远程控制技术", "耐腐蚀关键部件", "状态监测系统"],
        metrics: &[
            ("设备作业效率提高{}%", 15, 40),
            ("关键部件使用寿命延长{}倍", 1, 3),
            ("现场作业人员减少{}%", 30, 70),
        ],
        uses: &["盐湖矿区", "有色金属矿山", "高原露天矿"],
        pains: &[
            "盐湖矿区卤水腐蚀性强，设备关键部件寿命短、更换频繁。",
            "高海拔矿区作业环境恶劣，招工难，亟需提高设备自动化和远程化水平。",
        ],
        principles: &[
            "采用耐蚀合金与表面强化复合处理提升关键部件耐腐蚀性能",
            "基于5G与北斗定位的远程控制架构",
            "利用振动与电流信号实现设备状态监测与健康评估",
            "通过加装感知终端与自动控制系统实现智能化升级",
        ],
        tier: 2,
    },
    Sub {
        code: "equipment.rail",
        name: "轨道交通装备",
        objs: &["高速列车转向架", "城轨车辆", "轨道车辆牵引系统", "高原铁路车辆"],
        quals: &[""],
        procs: &["轻量化设计技术", "故障诊断技术", "减振降噪技术", "可靠性试验技术"],
        metrics: &[
            ("整车减重{}%", 5, 15),
            ("车内噪声降低{}dB", 2, 6),
            ("故障诊断准确率达到{}%以上", 90, 98),
        ],
        uses: &["轨道交通装备制造企业", "城市轨道交通运营单位", "高原铁路运营"],
        pains: &[
            "轨道车辆运行速度提高带来振动噪声和能耗问题，乘坐舒适性有待提升。",
            "关键部件故障依靠定期检修发现，维修成本高、效率低。",
        ],
        principles: &[
            "采用拓扑优化与复合材料的轻量化设计",
            "基于车载传感网络与深度学习的故障诊断方法",
            "通过主被动结合的减振降噪方案",
            "建立台架与线路相结合的可靠性试验方法",
        ],
        tier: 3,
    },
    Sub {
        code: "ai.vision",
        name: "机器视觉",
        objs: &[
            "工业产品表面缺陷",
            "输电线路隐患",
            "矿区作业安全隐患",
            "草原牲畜",
            "盐湖设备运行状态",
        ],
        quals: &[""],
        procs: &["智能识别技术", "视觉检测系统", "图像识别算法", "边缘智能识别终端"],
        metrics: &[
            ("识别准确率达到{}%以上", 92, 99),
            ("单帧处理时间低于{}毫秒", 20, 100),
            ("漏检率低于{}%", 1, 5),
        ],
        uses: &["制造企业质检环节", "电网与矿区安全巡检", "牧区智慧养殖"],
        pains: &[
            "人工目视检查劳动强度大、漏检率高，难以满足连续生产和大范围巡检需要。",
            "现场光照、粉尘等条件复杂，通用视觉算法识别效果不稳定。",
        ],
        principles: &[
            "基于小样本学习与数据增强的深度神经网络识别算法",
            "采用轻量化模型与边缘计算部署方案",
            "融合可见光、红外多模态图像的视觉检测方法",
        ],
        tier: 2,
    },
    Sub {
        code: "ai.llm",
        name: "行业大模型",
        objs: &["盐化工行业", "藏医药", "政务服务", "电力运维", "农牧业技术服务"],
        quals: &[""],
        procs: &["垂直大模型", "智能问答系统", "知识图谱构建技术", "智能体应用"],
        metrics: &[
            ("问答准确率达到{}%以上", 85, 95),
            ("人工处理工作量减少{}%", 30, 60),
            ("知识条目覆盖{}万条以上", 5, 50),
        ],
        uses: &["行业龙头企业", "政务服务中心", "科研院所知识服务"],
        pains: &[
            "行业知识分散在文档和专家经验中，检索效率低，新员工培养周期长。",
            "通用大模型缺乏行业专业知识，回答准确性和可追溯性不足。",
        ],
        principles: &[
            "基于检索增强生成与领域知识图谱",
            "采用行业语料继续预训练与指令微调构建垂直大模型",
            "基于多轮对话与意图识别的智能问答架构",
            "通过任务规划与工具调用构建智能体应用",
        ],
        tier: 2,
    },
    Sub {
        code: "integrated_circuits.design",
        name: "集成电路设计",
        objs: &[
            "电源管理芯片",
            "模拟信号链芯片",
            "MCU芯片",
            "射频前端芯片",
            "MEMS传感器芯片",
        ],
        quals: &[""],
        procs: &["设计技术", "国产化替代方案", "可靠性测试技术", "低功耗设计技术"],
        metrics: &[
            ("静态功耗降低{}%", 20, 50),
            ("芯片面积缩小{}%", 10, 30),
            ("工作温度范围覆盖零下{}℃至125℃", 40, 55),
        ],
        uses: &["工业控制与汽车电子", "新能源逆变器与储能系统", "物联网终端"],
        pains: &[
            "关键芯片依赖进口，供货周期长、价格波动大，存在供应链安全风险。",
            "现有芯片方案功耗和可靠性难以满足工业级与车规级应用要求。",
        ],
        principles: &[
            "采用自主IP核与先进工艺平台",
            "基于多电压域与动态功耗管理的低功耗设计",
            "建立覆盖设计、验证和测试的全流程可靠性方法",
            "通过引脚兼容设计实现国产化替代",
        ],
        tier: 3,
    },
    Sub {
        code: "integrated_circuits.packaging",
        name: "封装测试",
        objs: &["碳化硅功率模块", "IGBT模块", "SiP模组", "MEMS器件"],
        quals: &[""],
        procs: &["封装技术", "可靠性评价技术", "测试技术", "散热设计技术"],
        metrics: &[
            ("模块热阻降低{}%", 15, 35),
            ("功率循环寿命提高{}倍", 2, 5),
            ("封装良率达到{}%以上", 95, 99),
        ],
        uses: &["新能源汽车电驱系统", "光伏逆变器与储能变流器", "工业电源"],
        pains: &[
            "功率器件工作温度高、热应力大，封装失效是影响可靠性的主要因素。",
            "高端封装测试能力集中在少数企业，中小设计企业流片验证周期长。",
        ],
        principles: &[
            "采用银烧结与双面散热封装结构",
            "基于多物理场耦合仿真的可靠性设计",
            "建立自动化测试与失效分析平台",
        ],
        tier: 3,
    },
    Sub {
        code: "integrated_circuits.materials",
        name: "半导体材料",
        objs: &["半导体靶材", "电子级多晶硅", "光刻胶", "电子特气", "高纯石英器件"],
        quals: &[""],
        procs: &["制备技术", "提纯技术", "国产化技术", "质量检测技术"],
        metrics: &[
            ("产品纯度达到{}N以上", 5, 9),
            ("金属杂质含量低于{}ppb", 1, 10),
            ("产品批次合格率达到{}%以上", 95, 99),
        ],
        uses: &["晶圆制造企业", "光伏电池片生产", "显示面板产业"],
        pains: &[
            "高端半导体材料国产化率低，关键品种依赖进口。",
            "材料纯度和批次一致性难以稳定达到晶圆厂认证要求。",
        ],
        principles: &[
            "采用多级精馏与吸附纯化组合工艺",
            "通过真空熔炼与热等静压提高致密度",
            "建立痕量杂质分析与过程质量控制体系",
        ],
        tier: 3,
    },
    Sub {
        code: "electronic_info.iot",
        name: "物联网与传感",
        objs: &[
            "高原气象传感器",
            "管网泄漏监测终端",
            "北斗定位终端",
            "低功耗物联网终端",
            "卤水水位监测仪",
        ],
        quals: &[""],
        procs: &["研制", "组网技术", "数据采集平台", "低温适应性技术"],
        metrics: &[
            ("终端待机时间超过{}个月", 12, 36),
            ("测量精度提高{}%", 20, 50),
            ("在零下{}℃环境下稳定工作", 30, 45),
        ],
        uses: &["城市管网与公共设施", "盐湖矿区与野外站点", "农牧区基础设施"],
        pains: &[
            "野外监测点分布广、供电通信条件差，现有设备维护成本高。",
            "低温、强风等恶劣环境下传感器漂移大，数据可靠性不足。",
        ],
        principles: &[
            "采用低功耗广域网组网与太阳能供电设计",
            "基于温度补偿与自校准算法提升低温适应性",
            "通过边缘计算实现数据采集与本地预处理",
        ],
        tier: 1,
    },
    Sub {
        code: "electronic_info.communication",
        name: "通信网络",
        objs: &["5G行业专网", "卫星互联网终端", "应急通信系统", "矿区无线通信网络"],
        quals: &[""],
        procs: &["部署优化技术", "高海拔适应性技术", "组网技术", "安全防护技术"],
        metrics: &[
            ("网络覆盖率达到{}%以上", 90, 99),
            ("端到端时延低于{}毫秒", 10, 50),
            ("建设成本降低{}%", 15, 35),
        ],
        uses: &["高原矿区与工业园区", "边远牧区与应急救援", "交通干线沿线"],
        pains: &[
            "高原地广人稀、地形复杂，公网覆盖不足，生产和应急通信保障困难。",
            "行业专网建设和运维成本高，中小企业难以承受。",
        ],
        principles: &[
            "采用宏微协同与天地一体化组网架构",
            "基于网络切片与边缘计算的行业专网方案",
            "通过国产密码算法实现端到端安全防护",
            "基于射线追踪仿真的基站部署优化",
            "采用宽温、防雷与低气压适配设计提升高海拔适应性",
        ],
        tier: 2,
    },
    Sub {
        code: "chemical.fine",
        name: "精细化工",
        objs: &["电子级化学品", "高端聚烯烃", "煤基精细化学品", "医药中间体", "水处理剂"],
        quals: &["", "", "绿色", "连续化"],
        procs: &["合成工艺", "提纯技术", "清洁生产工艺", "生产技术"],
        metrics: &[
            ("产品收率提高{}%", 10, 30),
            ("三废排放减少{}%", 30, 60),
            ("产品纯度达到{}%以上", 98, 99),
        ],
        uses: &["化工园区精细化工企业", "医药及电子化学品生产", "石化产业链延伸"],
        pains: &[
            "现有产品以大宗基础化学品为主，精细化率低，附加值有限。",
            "间歇釜式生产安全风险高、收率低，三废处理压力大。",
        ],
        principles: &[
            "采用微通道连续流反应技术",
            "通过精馏—结晶耦合实现高效提纯",
            "基于原子经济性的绿色合成路线与清洁生产工艺",
        ],
        tier: 2,
    },
    Sub {
        code: "chemical.catalysis",
        name: "催化与碳资源利用",
        objs: &["二氧化碳加氢制甲醇", "合成氨", "甲醇制烯烃", "乙炔法氯乙烯", "费托合成"],
        quals: &[""],
        procs: &["催化剂", "工艺优化技术", "反应器设计技术", "催化剂再生技术"],
        metrics: &[
            ("单程转化率提高{}个百分点", 5, 15),
            ("目标产物选择性达到{}%以上", 80, 95),
            ("催化剂寿命延长{}%", 30, 100),
        ],
        uses: &["煤化工与石化企业", "绿氢耦合化工项目", "氯碱化工企业"],
        pains: &[
            "现有催化剂活性和寿命不足，装置能耗高、运行周期短。",
            "碳减排压力下，亟需以二氧化碳和绿氢为原料的低碳化工路线。",
        ],
        principles: &[
            "采用限域结构与助剂协同的新型催化剂",
            "基于计算流体力学的反应器结构优化",
            "通过原位表征揭示失活机理并优化再生工艺",
        ],
        tier: 3,
    },
    Sub {
        code: "chemical.chlor_alkali",
        name: "盐化工与氯碱",
        objs: &["氯碱装置", "纯碱生产装置", "金属钠电解槽", "聚氯乙烯装置"],
        quals: &[""],
        procs: &["节能降耗技术", "副产物综合利用技术", "智能控制技术", "安全环保技术"],
        metrics: &[
            ("吨产品电耗降低{}%", 5, 15),
            ("副产物综合利用率达到{}%以上", 80, 98),
            ("装置运行周期延长{}%", 20, 50),
        ],
        uses: &["盐化工企业", "循环经济产业园", "氯碱及纯碱生产基地"],
        pains: &[
            "盐化工装置能耗高，电价和碳排放约束下成本压力持续加大。",
            "副产氯化钙、废盐等处置困难，制约装置满负荷运行。",
        ],
        principles: &[
            "采用新型离子膜与零极距电解技术节能降耗",
            "通过副产物分质利用与耦合生产",
            "基于先进过程控制的装置智能控制与优化运行",
            "建立泄漏监测与尾气处理相结合的安全环保体系",
        ],
        tier: 2,
    },
    Sub {
        code: "nev.powertrain",
        name: "新能源汽车动力系统",
        objs: &[
            "动力电池包",
            "换电重卡",
            "电动汽车热泵空调",
            "电驱动总成",
            "矿用电动卡车",
        ],
        quals: &[""],
        procs: &["热管理技术", "高原低温适应性技术", "集成设计技术", "能量管理策略"],
        metrics: &[
            ("冬季续驶里程提升{}%", 10, 30),
            ("系统能量密度提高{}%", 5, 20),
            ("综合能耗降低{}%", 8, 20),
        ],
        uses: &["高原寒冷地区新能源汽车", "矿区与物流运输车辆", "城市公交与环卫车辆"],
        pains: &[
            "高原低温低气压环境下新能源汽车续驶里程衰减明显，电池热管理能耗高。",
            "重载工况下动力系统效率和可靠性不足，影响车辆出勤率。",
        ],
        principles: &[
            "采用热泵与电池余热回收集成热管理方案",
            "基于工况识别的整车能量管理策略",
            "通过电机、电控与减速器高度集成设计",
            "采用电池自加热与低气压绝缘设计提升高原低温适应性",
        ],
        tier: 2,
    },
    Sub {
        code: "nev.charging",
        name: "充换电基础设施",
        objs: &["充电桩", "换电站", "光储充一体化充电站", "重卡充电站"],
        quals: &[""],
        procs: &["智能运营平台", "功率分配技术", "高原型设计技术", "有序充电控制技术"],
        metrics: &[
            ("设备利用率提高{}%", 15, 40),
            ("充电效率达到{}%以上", 92, 96),
            ("配电容量需求降低{}%", 20, 40),
        ],
        uses: &["城市公共充电网络", "高速公路服务区", "矿区与物流园区"],
        pains: &[
            "高原地区充电设施布局稀疏、利用率不均，配电容量不足制约建设。",
            "充电设备在低温、高海拔条件下故障率高，运维成本大。",
        ],
        principles: &[
            "基于负荷预测与电价信号的有序充电控制",
            "采用模块化柔性功率分配架构",
            "通过光伏、储能与充电协同控制降低配电需求",
            "构建集成预约、结算与运维的智能运营平台",
            "采用宽温元器件与强化散热的高原型设计",
        ],
        tier: 2,
    },
    Sub {
        code: "digital_economy.industrial_internet",
        name: "工业互联网",
        objs: &["盐化工企业", "中小制造企业", "工业园区", "供应链", "冶金企业"],
        quals: &[""],
        procs: &[
            "工业互联网平台",
            "数字化转型解决方案",
            "能碳管理平台",
            "设备联网与数据治理技术",
        ],
        metrics: &[
            ("生产效率提高{}%", 10, 30),
            ("数据采集覆盖率达到{}%以上", 85, 98),
            ("综合能耗降低{}%", 5, 15),
        ],
        uses: &["省级工业园区", "规上制造企业", "产业链龙头企业"],
        pains: &[
            "企业生产、设备和能耗数据分散在多个系统中，数据孤岛现象严重，管理决策依赖经验。",
            "中小企业数字化基础薄弱、资金有限，缺乏低成本、易部署的转型方案。",
        ],
        principles: &[
            "采用云边协同的工业互联网平台架构",
            "基于统一数据标准与主数据管理的数据治理方案",
            "通过低代码工具快速构建行业应用",
        ],
        tier: 2,
    },
    Sub {
        code: "digital_economy.smart_services",
        name: "智慧应用",
        objs: &["智慧牧场", "智慧文旅", "城市生命线", "农畜产品质量", "智慧社区"],
        quals: &[""],
        procs: &["大数据平台", "综合管理系统", "监测预警平台", "追溯系统"],
        metrics: &[
            ("业务办理效率提高{}%", 20, 50),
            ("数据更新时效缩短至{}分钟以内", 5, 30),
            ("运维人力成本降低{}%", 15, 40),
        ],
        uses: &["地方政府及园区管理部门", "文旅景区", "农牧业合作社"],
        pains: &[
            "业务数据分散、信息化手段落后，管理部门难以及时掌握运行状况。",
            "现有系统功能单一、互不联通，难以支撑跨部门协同和精细化管理。",
        ],
        principles: &[
            "基于物联网感知与大数据分析的一体化平台",
            "采用微服务架构与统一身份认证",
            "融合地理信息系统与可视化大屏展示",
        ],
        tier: 1,
    },
];

fn top_name(top: &str) -> &'static str {
    match top {
        "salt_lake" => "盐湖资源",
        "lithium" => "锂资源",
        "clean_energy" => "清洁能源",
        "energy_storage" => "储能",
        "hydrogen" => "氢能",
        "new_materials" => "新材料",
        "nonferrous" => "有色冶金",
        "green_computing" => "绿色算力",
        "ecology" => "生态环保",
        "plateau_medicine" => "高原医学",
        "tibetan_medicine" => "藏医药",
        "plateau_agriculture" => "高原特色农牧业",
        "biomedicine" => "生物医药",
        "marine" => "海洋科技",
        "equipment" => "高端装备",
        "ai" => "人工智能",
        "integrated_circuits" => "集成电路",
        "electronic_info" => "电子信息",
        "chemical" => "化工",
        "nev" => "新能源汽车",
        "digital_economy" => "数字经济",
        _ => "其他",
    }
}

/// How much of the market a top-level field gets when an organization works in several.
fn top_weight(top: &str) -> u32 {
    match top {
        "salt_lake" | "lithium" => 6,
        "clean_energy" => 5,
        "energy_storage" | "hydrogen" | "nonferrous" | "green_computing" | "ecology" | "marine" => 4,
        "tibetan_medicine" | "plateau_agriculture" | "plateau_medicine" | "integrated_circuits" => 3,
        "new_materials" | "biomedicine" | "equipment" | "ai" | "chemical" => 2,
        _ => 1,
    }
}

fn top_of(code: &str) -> &str {
    code.split('.').next().unwrap_or(code)
}

// ---------------------------------------------------------------------------------------------------
// Organizations and brokers
// ---------------------------------------------------------------------------------------------------

const SME: u8 = 1;
const TECH_SME: u8 = 2;
const HIGH_TECH: u8 = 4;

struct OrgSpec {
    kind: &'static str,
    name: &'static str,
    region: &'static str,
    email: &'static str,
    flags: u8,
    /// Top-level field codes the organization works in.
    fields: &'static [&'static str],
}

const fn org(
    kind: &'static str,
    name: &'static str,
    region: &'static str,
    email: &'static str,
    flags: u8,
    fields: &'static [&'static str],
) -> OrgSpec {
    OrgSpec {
        kind,
        name,
        region,
        email,
        flags,
        fields,
    }
}

const ENT: &str = "enterprise";
const UNI: &str = "university";
const INST: &str = "research_institute";

const ORGS: &[OrgSpec] = &[
    // 西宁
    org(
        ENT,
        "青海东川锂电材料有限公司",
        "630102",
        "qhdcld",
        SME | TECH_SME | HIGH_TECH,
        &["lithium", "new_materials", "energy_storage"],
    ),
    org(
        ENT,
        "青海高原雪域藏药股份有限公司",
        "630105",
        "qhxyzy",
        HIGH_TECH,
        &["tibetan_medicine", "biomedicine"],
    ),
    org(
        ENT,
        "西宁绿源光伏科技有限公司",
        "630102",
        "xnlygf",
        SME | TECH_SME,
        &["clean_energy", "energy_storage"],
    ),
    org(
        ENT,
        "青海河湟铝业新材料有限公司",
        "630106",
        "qhhhly",
        HIGH_TECH,
        &["nonferrous", "new_materials"],
    ),
    org(
        ENT,
        "青海三江源生态环境工程有限公司",
        "630104",
        "qhsjyst",
        SME | TECH_SME,
        &["ecology"],
    ),
    org(
        ENT,
        "青海高原云算数据科技有限公司",
        "630103",
        "qhgyys",
        SME | TECH_SME | HIGH_TECH,
        &["green_computing", "digital_economy", "ai"],
    ),
    org(
        ENT,
        "青海雪峰高原医药科技有限公司",
        "630105",
        "qhxfyy",
        SME | TECH_SME | HIGH_TECH,
        &["plateau_medicine", "biomedicine"],
    ),
    org(
        ENT,
        "西宁智诚装备制造有限公司",
        "630106",
        "xnzczb",
        SME,
        &["equipment", "electronic_info"],
    ),
    org(
        ENT,
        "青海大通牦牛乳业有限公司",
        "630121",
        "qhdtry",
        SME,
        &["plateau_agriculture"],
    ),
    org(
        ENT,
        "青海湟源枸杞生物科技有限公司",
        "630123",
        "qhhygq",
        SME | TECH_SME,
        &["plateau_agriculture", "biomedicine"],
    ),
    org(
        ENT,
        "青海甘河化工有限公司",
        "630106",
        "qhghhg",
        0,
        &["chemical", "salt_lake"],
    ),
    // 海西
    org(
        ENT,
        "格尔木盐桥钾肥有限公司",
        "632801",
        "gemyqjf",
        HIGH_TECH,
        &["salt_lake", "chemical", "equipment", "ecology"],
    ),
    org(
        ENT,
        "青海柴达木镁业新材料有限公司",
        "632801",
        "qhcdmmy",
        HIGH_TECH,
        &["salt_lake", "new_materials"],
    ),
    org(
        ENT,
        "格尔木昆仑锂业科技有限公司",
        "632801",
        "gemklly",
        TECH_SME | HIGH_TECH,
        &["lithium", "salt_lake"],
    ),
    org(
        ENT,
        "德令哈光热能源发展有限公司",
        "632802",
        "dlhgr",
        HIGH_TECH,
        &["clean_energy", "energy_storage"],
    ),
    org(
        ENT,
        "德令哈绿氢能源科技有限公司",
        "632802",
        "dlhlq",
        SME | TECH_SME,
        &["hydrogen", "clean_energy"],
    ),
    org(
        ENT,
        "茫崖锂硼资源开发有限公司",
        "632803",
        "mylpzy",
        SME,
        &["lithium", "salt_lake"],
    ),
    org(
        ENT,
        "乌兰盐化科技有限公司",
        "632821",
        "wlyhkj",
        SME,
        &["salt_lake", "chemical"],
    ),
    org(
        ENT,
        "都兰枸杞农业科技有限公司",
        "632822",
        "dlgqny",
        SME | TECH_SME,
        &["plateau_agriculture"],
    ),
    // 海东、海南州、玉树
    org(
        ENT,
        "青海河湟现代农业发展有限公司",
        "630202",
        "qhhhxdny",
        SME,
        &["plateau_agriculture"],
    ),
    org(
        ENT,
        "青海平安高精铝材有限公司",
        "630203",
        "qhpagl",
        SME | HIGH_TECH,
        &["nonferrous", "new_materials"],
    ),
    org(
        ENT,
        "青海共和光伏运维服务有限公司",
        "632521",
        "qhghgf",
        SME,
        &["clean_energy"],
    ),
    org(
        ENT,
        "贵德黄河生态农牧有限公司",
        "632523",
        "gdhhst",
        SME,
        &["ecology", "plateau_agriculture"],
    ),
    org(
        ENT,
        "玉树三江源高原药业有限公司",
        "632701",
        "yssjyy",
        SME,
        &["tibetan_medicine", "plateau_medicine"],
    ),
    // 甘肃
    org(
        ENT,
        "兰州陇原智能科技有限公司",
        "620102",
        "lzlyzn",
        SME | TECH_SME | HIGH_TECH,
        &["ai", "digital_economy", "electronic_info"],
    ),
    org(
        ENT,
        "兰州西固精细化工有限公司",
        "620104",
        "lzxghg",
        HIGH_TECH,
        &["chemical"],
    ),
    org(
        ENT,
        "兰州安宁生物医药有限公司",
        "620105",
        "lzanyy",
        SME | TECH_SME | HIGH_TECH,
        &["biomedicine"],
    ),
    org(
        ENT,
        "白银有色再生金属有限公司",
        "620402",
        "byzsjs",
        HIGH_TECH,
        &["nonferrous"],
    ),
    org(
        ENT,
        "金昌镍钴新材料有限公司",
        "620302",
        "jcngxc",
        HIGH_TECH,
        &["nonferrous", "new_materials", "lithium"],
    ),
    org(
        ENT,
        "酒泉风电装备有限公司",
        "620902",
        "jqfdzb",
        HIGH_TECH,
        &["clean_energy", "equipment"],
    ),
    org(
        ENT,
        "玉门氢能科技有限公司",
        "620981",
        "ymqnkj",
        SME | TECH_SME,
        &["hydrogen"],
    ),
    // 青岛
    org(
        ENT,
        "青岛海工装备科技有限公司",
        "370211",
        "qdhgzb",
        HIGH_TECH,
        &["marine", "equipment"],
    ),
    org(
        ENT,
        "青岛蓝海生物制药有限公司",
        "370212",
        "qdlhsw",
        HIGH_TECH,
        &["marine", "biomedicine"],
    ),
    org(
        ENT,
        "青岛海洋信息科技有限公司",
        "370202",
        "qdhyxx",
        SME | TECH_SME | HIGH_TECH,
        &["marine", "electronic_info", "ai"],
    ),
    org(
        ENT,
        "青岛芯微电子有限公司",
        "370203",
        "qdxwdz",
        SME | TECH_SME | HIGH_TECH,
        &["integrated_circuits", "electronic_info"],
    ),
    org(
        ENT,
        "青岛轨道交通装备有限公司",
        "370213",
        "qdgdzb",
        HIGH_TECH,
        &["equipment"],
    ),
    // 东部省市
    org(
        ENT,
        "北京中科星算科技有限公司",
        "110108",
        "bjzkxs",
        SME | TECH_SME | HIGH_TECH,
        &["ai", "green_computing"],
    ),
    org(
        ENT,
        "上海联芯半导体有限公司",
        "310110",
        "shlxbdt",
        HIGH_TECH,
        &["integrated_circuits"],
    ),
    org(
        ENT,
        "上海浦江氢能科技有限公司",
        "310115",
        "shpjqn",
        SME | TECH_SME | HIGH_TECH,
        &["hydrogen", "nev"],
    ),
    org(
        ENT,
        "南京储能科技有限公司",
        "320115",
        "njcnkj",
        SME | TECH_SME | HIGH_TECH,
        &["energy_storage", "nev"],
    ),
    org(
        ENT,
        "杭州数智科技有限公司",
        "330108",
        "hzszkj",
        SME | TECH_SME | HIGH_TECH,
        &["digital_economy", "ai"],
    ),
    org(
        ENT,
        "深圳锂电科技有限公司",
        "440305",
        "szldkj",
        HIGH_TECH,
        &["lithium", "nev", "energy_storage"],
    ),
    // 高校
    org(
        UNI,
        "青海大学",
        "630105",
        "qhu",
        0,
        &[
            "salt_lake",
            "clean_energy",
            "ecology",
            "plateau_medicine",
            "plateau_agriculture",
            "new_materials",
            "equipment",
            "green_computing",
            "hydrogen",
        ],
    ),
    org(
        UNI,
        "青海师范大学",
        "630104",
        "qhnu",
        0,
        &["ecology", "electronic_info", "ai", "plateau_agriculture"],
    ),
    org(
        UNI,
        "青海民族大学",
        "630102",
        "qhmu",
        0,
        &["tibetan_medicine", "chemical", "digital_economy", "new_materials"],
    ),
    org(
        UNI,
        "兰州大学",
        "620102",
        "lzu",
        0,
        &[
            "ecology",
            "biomedicine",
            "new_materials",
            "chemical",
            "ai",
            "plateau_agriculture",
            "lithium",
        ],
    ),
    org(
        UNI,
        "兰州理工大学",
        "620103",
        "lut",
        0,
        &["nonferrous", "new_materials", "equipment", "clean_energy"],
    ),
    org(
        UNI,
        "中国海洋大学",
        "370202",
        "ouc",
        0,
        &["marine", "biomedicine", "ecology"],
    ),
    org(
        UNI,
        "青岛科技大学",
        "370212",
        "qust",
        0,
        &["chemical", "new_materials", "equipment", "marine"],
    ),
    org(
        UNI,
        "清华大学",
        "110108",
        "tsinghua",
        0,
        &[
            "clean_energy",
            "energy_storage",
            "hydrogen",
            "integrated_circuits",
            "ai",
            "green_computing",
            "lithium",
        ],
    ),
    org(
        UNI,
        "北京科技大学",
        "110108",
        "ustb",
        0,
        &["nonferrous", "new_materials", "lithium"],
    ),
    org(
        UNI,
        "上海交通大学",
        "310112",
        "sjtu",
        0,
        &["equipment", "marine", "biomedicine", "ai", "nev"],
    ),
    org(
        UNI,
        "浙江大学",
        "330106",
        "zju",
        0,
        &[
            "integrated_circuits",
            "electronic_info",
            "biomedicine",
            "digital_economy",
            "clean_energy",
            "green_computing",
        ],
    ),
    // 科研院所
    org(
        INST,
        "中国科学院青海盐湖研究所",
        "630104",
        "isl",
        0,
        &["salt_lake", "lithium", "new_materials", "energy_storage"],
    ),
    org(
        INST,
        "中国科学院西北高原生物研究所",
        "630104",
        "nwipb",
        0,
        &["tibetan_medicine", "plateau_agriculture", "ecology", "biomedicine"],
    ),
    org(INST, "青海省农林科学院", "630105", "qhaaf", 0, &["plateau_agriculture"]),
    org(
        INST,
        "青海省畜牧兽医科学院",
        "630105",
        "qhaahvs",
        0,
        &["plateau_agriculture"],
    ),
    org(
        INST,
        "青海省藏医药研究院",
        "630104",
        "qhtmri",
        0,
        &["tibetan_medicine", "plateau_medicine"],
    ),
    org(
        INST,
        "中国科学院兰州化学物理研究所",
        "620102",
        "licp",
        0,
        &["chemical", "new_materials", "hydrogen", "energy_storage"],
    ),
    org(
        INST,
        "中国科学院深圳先进技术研究院",
        "440305",
        "siat",
        0,
        &["ai", "biomedicine", "nev", "integrated_circuits"],
    ),
    // 技术转移平台、机构与技术合同登记服务点
    org(
        "transfer_platform",
        "青海科技大市场运营管理有限公司",
        "630104",
        "qhkjdsc",
        SME,
        &[],
    ),
    org(
        "transfer_platform",
        "青岛海洋科技大市场运营有限公司",
        "370212",
        "qdhykjdsc",
        SME,
        &[],
    ),
    org(
        "transfer_institution",
        "青海东西部技术转移服务中心",
        "630102",
        "qhdxjszy",
        0,
        &[],
    ),
    org(
        "transfer_institution",
        "甘肃陇科技术转移有限公司",
        "620102",
        "gslkjszy",
        SME,
        &[],
    ),
    org(
        "contract_service_point",
        "海西州技术合同登记服务点",
        "632802",
        "hxjshtfwd",
        0,
        &[],
    ),
    org(
        "contract_service_point",
        "西宁市城北区技术合同登记服务点",
        "630105",
        "xncbjshtd",
        0,
        &[],
    ),
];

/// Individual brokers: region code and the certificate prefix of the issuing province.
const BROKER_REGIONS: &[(&str, &str)] = &[
    ("630104", "QH"),
    ("630105", "QH"),
    ("630102", "QH"),
    ("632801", "QH"),
    ("632802", "QH"),
    ("630202", "QH"),
    ("620102", "GS"),
    ("620402", "GS"),
    ("370212", "SD"),
    ("370211", "SD"),
    ("110108", "BJ"),
    ("310110", "SH"),
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "高", "郑", "梁", "谢", "宋", "唐", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋", "蔡",
    "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "祁", "鲁", "冶",
];

const GIVEN: &[&str] = &[
    "建国", "志强", "海燕", "晓东", "国华", "文斌", "永红", "丽娟", "海峰", "立新", "红梅", "俊杰", "明轩", "雪梅",
    "春生", "玉兰", "德明", "宏伟", "秀英", "振华", "晓明", "静", "磊", "敏", "涛", "伟", "芳", "强", "婷", "勇", "军",
    "鹏", "洁", "佳琪", "琳", "子涵", "浩然", "思远", "欣怡", "雨桐", "建平", "海龙", "晓燕", "天佑", "学军", "正清",
    "文静", "一鸣",
];

const TIBETAN_NAMES: &[&str] = &[
    "才让多杰",
    "扎西东智",
    "卓玛才措",
    "索南加措",
    "更藏吉",
    "拉毛措",
    "多杰仁青",
    "尼玛扎西",
    "桑杰",
    "央金卓玛",
    "仁青加",
    "完玛措",
];

/// Long-distance area code and the number of digits of a local number for a region code.
fn phone_area(region: &str) -> (&'static str, usize) {
    match region.get(..4).unwrap_or("") {
        "6301" => ("0971", 7),
        "6302" => ("0972", 7),
        "6322" => ("0970", 7),
        "6325" => ("0974", 7),
        "6327" => ("0976", 7),
        "6328" if region == "632801" => ("0979", 7),
        "6328" => ("0977", 7),
        "6201" => ("0931", 7),
        "6203" => ("0935", 7),
        "6204" => ("0943", 7),
        "6209" => ("0937", 7),
        "3702" => ("0532", 8),
        "1101" => ("010", 8),
        "3101" => ("021", 8),
        "3201" => ("025", 8),
        "3301" => ("0571", 8),
        "4403" => ("0755", 8),
        _ => ("0971", 7),
    }
}

// ---------------------------------------------------------------------------------------------------
// PRNG and dates
// ---------------------------------------------------------------------------------------------------

/// xorshift64* seeded through splitmix64, so that every seed (including 0) gives a good stream.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo + 1) as usize) as u32
    }

    /// True with probability `pct` %.
    fn chance(&mut self, pct: usize) -> bool {
        self.below(100) < pct
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }

    /// Index chosen with the given weights (at least one positive).
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.below(total as usize) as u32;
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

fn iso(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn year_month_zh(day: i64) -> String {
    let (y, m, _) = civil_from_days(day);
    format!("{y}年{m}月")
}

// ---------------------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------------------

fn person(rng: &mut Rng, region: &str) -> String {
    if region.starts_with("63") && rng.chance(15) {
        return (*rng.pick(TIBETAN_NAMES)).to_string();
    }
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

fn phone(rng: &mut Rng, region: &str) -> String {
    let (area, len) = phone_area(region);
    let first = rng.range(5, 8);
    let mut number = first.to_string();
    while number.len() < len {
        number.push(char::from(b'0' + rng.below(10) as u8));
    }
    format!("{area}-{number}")
}

/// A metric template filled with a round value from its range.
fn metric(rng: &mut Rng, (template, lo, hi): (&str, u32, u32)) -> String {
    let span = hi - lo;
    let step = match span {
        2000.. => 1000,
        500.. => 100,
        100.. => 10,
        _ => 1,
    };
    let value = lo + rng.range(0, span / step) * step;
    template.replace("{}", &value.to_string())
}

/// Three distinct metrics of a sub-field.
fn metrics3(rng: &mut Rng, sub: &Sub) -> Vec<String> {
    let mut idx: Vec<usize> = (0..sub.metrics.len()).collect();
    for i in (1..idx.len()).rev() {
        let j = rng.below(i + 1);
        idx.swap(i, j);
    }
    idx.iter().take(3).map(|&i| metric(rng, sub.metrics[i])).collect()
}

/// 1-3 distinct modes drawn with weights, in the order of `modes`.
fn pick_modes(rng: &mut Rng, modes: &[(&'static str, u32)]) -> Vec<&'static str> {
    let n = 1 + rng.weighted(&[45, 40, 15]);
    let mut chosen = vec![false; modes.len()];
    let weights: Vec<u32> = modes.iter().map(|m| m.1).collect();
    let mut count = 0;
    while count < n {
        let i = rng.weighted(&weights);
        if !chosen[i] {
            chosen[i] = true;
            count += 1;
        }
    }
    modes.iter().zip(chosen).filter(|(_, c)| *c).map(|(m, _)| m.0).collect()
}

fn mode_zh(mode: &str) -> &'static str {
    match mode {
        "transfer" => "技术转让",
        "licence" => "技术许可",
        "joint_development" => "合作开发",
        "commissioned_development" => "委托开发",
        "equity" => "作价入股",
        "consulting" => "技术咨询",
        "service" => "技术服务",
        "use_first_pay_later" => "先使用后付费",
        _ => "其他",
    }
}

fn modes_zh(modes: &[&str]) -> String {
    modes.iter().map(|m| mode_zh(m)).collect::<Vec<_>>().join("、")
}

fn wan(fen: i64) -> i64 {
    fen / FEN_PER_WAN
}

/// True when the title core names a method (技术, 工艺) rather than a product or an activity.
fn is_method(core: &str) -> bool {
    core.ends_with("技术") || core.ends_with("工艺")
}

const ACTIVITY_ENDINGS: &[&str] = &[
    "开发",
    "研发",
    "研制",
    "选育",
    "研究",
    "评价",
    "质量控制",
    "方案",
    "应用",
];

fn is_activity(core: &str) -> bool {
    ACTIVITY_ENDINGS.iter().any(|e| core.ends_with(e))
}

/// Products that are software: their readiness is described in software terms.
fn is_software(core: &str) -> bool {
    ["系统", "平台", "算法", "模型", "大模型", "智能体应用", "解决方案"]
        .iter()
        .any(|e| core.ends_with(e))
        && !core.ends_with("储能系统")
        && !core.ends_with("供氧系统")
        && !core.ends_with("电池系统")
        && !core.ends_with("动力系统")
}

fn is_field_work(code: &str) -> bool {
    code.starts_with("plateau_agriculture.breeding")
        || code.starts_with("plateau_agriculture.crops")
        || code.starts_with("ecology.restoration")
        || code.starts_with("tibetan_medicine.herbs")
        || code.starts_with("marine.aquaculture")
}

fn demand_title(rng: &mut Rng, core: &str) -> String {
    let patterns: &[&str] = if is_method(core) {
        &["{}攻关", "{}研发", "{}引进", "寻求{}合作", "{}需求", "{}"]
    } else if is_activity(core) {
        &["{}", "{}项目", "寻求{}合作"]
    } else {
        &["{}开发", "寻求{}", "{}开发与应用"]
    };
    rng.pick(patterns).replace("{}", core)
}

fn achievement_title(rng: &mut Rng, core: &str, trl: u8) -> String {
    if core.ends_with("技术") {
        if trl >= 7 && rng.chance(25) {
            return format!("{core}及产业化");
        }
        if rng.chance(25) {
            return format!("{core}及应用");
        }
    }
    core.to_string()
}

/// The sentence describing how far an achievement has come; only TRL 5-6 mention 中试.
fn stage_sentence(rng: &mut Rng, sub: &Sub, core: &str, trl: u8) -> String {
    let usage = *rng.pick(sub.uses);
    let n = rng.range(2, 6);
    let many = rng.range(5, 30);
    if is_software(core) {
        match trl {
            0..=3 => "目前已完成核心算法的原理验证，关键指标在实验数据上得到初步验证。".to_string(),
            4 => "目前已完成原型系统开发，在实验室环境下完成功能测试。".to_string(),
            5 => "已在模拟环境中完成系统联调测试，关键性能指标达到设计要求。".to_string(),
            6 => format!("已在{usage}开展试点运行，系统运行稳定。"),
            7 => format!("已在{n}家单位部署应用，运行稳定可靠。"),
            8 => format!("已实现商业化推广，累计服务用户{many}家。"),
            _ => "已形成成熟产品并规模化推广应用。".to_string(),
        }
    } else if is_field_work(sub.code) {
        match trl {
            0..=3 => "目前已完成室内试验和小规模试验，初步验证了技术效果。".to_string(),
            4 => "目前已完成小范围试验示范，正在优化关键技术参数。".to_string(),
            5 => "已完成中试规模的示范试验，主要技术参数基本定型。".to_string(),
            6 => format!("已在{usage}建立中试示范点，具备推广条件。"),
            7 => format!("已在{n}个示范基地推广应用，效果稳定。"),
            8 => format!("已在{usage}累计推广应用{many}个示范点，经济效益显著。"),
            _ => "已列入地方主推技术，实现大面积推广应用。".to_string(),
        }
    } else {
        match trl {
            0..=3 => "目前已完成实验室原理验证，核心指标得到初步验证。".to_string(),
            4 => "目前已完成实验室小试，正在开展工艺参数优化。".to_string(),
            5 => "已完成中试放大试验，主要工艺参数基本定型。".to_string(),
            6 => format!("已在{usage}中完成中试验证，具备工程化放大条件。"),
            7 => format!("已在{n}家企业开展工业性示范应用，运行稳定。"),
            8 => format!("已实现产业化应用，累计推广{many}套（项）。"),
            _ => "已形成成熟产品并规模化推广，市场占有率稳步提升。".to_string(),
        }
    }
}

/// Indices of the principles ordered by how many character pairs they share with the title core
/// (ties broken at random), so that the approach described fits the object and process of the title.
/// The pairs 技术 and 工艺 say nothing and are ignored.
fn ranked_principles(rng: &mut Rng, sub: &Sub, core: &str) -> Vec<usize> {
    let chars: Vec<char> = core.chars().collect();
    let pairs: Vec<String> = chars
        .windows(2)
        .map(|w| w.iter().collect::<String>())
        .filter(|p| p != "技术" && p != "工艺")
        .collect();
    let mut scored: Vec<(usize, usize)> = sub
        .principles
        .iter()
        .enumerate()
        .map(|(i, text)| {
            (
                pairs.iter().filter(|p| text.contains(p.as_str())).count() * 100 + rng.below(100),
                i,
            )
        })
        .collect();
    scored.sort_unstable_by(|a, b| b.cmp(a));
    scored.into_iter().map(|(_, i)| i).collect()
}

fn keywords(sub: &Sub, obj: &str, qual: &str, process: &str) -> Vec<String> {
    let trimmed = process
        .strip_suffix("技术")
        .or_else(|| process.strip_suffix("工艺"))
        .unwrap_or(process);
    let process_kw = if trimmed.chars().count() >= 2 { trimmed } else { process };
    let mut out: Vec<String> = Vec::new();
    for k in [obj, process_kw, sub.name, top_name(top_of(sub.code)), qual] {
        if !k.is_empty() && !out.iter().any(|o| o == k) {
            out.push(k.to_string());
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------
// Money
// ---------------------------------------------------------------------------------------------------

/// Budget ranges in 万元 by tier.
const BUDGETS: [&[(i64, i64)]; 3] = [
    &[
        (10, 30),
        (10, 50),
        (20, 50),
        (30, 80),
        (50, 100),
        (50, 150),
        (80, 200),
        (100, 200),
        (30, 30),
        (50, 50),
    ],
    &[
        (50, 100),
        (50, 200),
        (100, 200),
        (100, 300),
        (150, 300),
        (200, 500),
        (300, 600),
        (300, 800),
        (100, 100),
        (200, 200),
    ],
    &[
        (100, 300),
        (200, 500),
        (300, 800),
        (500, 1000),
        (500, 1500),
        (800, 1500),
        (1000, 2000),
        (1200, 2000),
        (500, 500),
        (1000, 1000),
    ],
];

/// Asking prices in 万元 by tier, ascending.
const PRICES: [&[i64]; 3] = [
    &[10, 15, 20, 30, 50, 80, 100, 150],
    &[30, 50, 80, 100, 150, 200, 300, 500, 800],
    &[100, 150, 200, 300, 500, 800, 1000, 1500, 2000],
];

/// Challenge bounties in 万元 by tier.
const BOUNTIES: [&[i64]; 3] = [&[50, 80, 100, 150], &[80, 100, 150, 200, 300], &[150, 200, 300, 500]];

fn tier_index(sub: &Sub) -> usize {
    usize::from(sub.tier.clamp(1, 3) - 1)
}

// ---------------------------------------------------------------------------------------------------
// IP
// ---------------------------------------------------------------------------------------------------

fn patent_number(rng: &mut Rng, year: i32, kind_digit: u32) -> String {
    let serial = rng.range(10_000, 2_999_999);
    let digits = format!("{year:04}{kind_digit}{serial:07}");
    // Twelve ASCII digits always have a check character.
    let check = crate::patents::check_digit(&digits).unwrap_or('0');
    format!("{digits}.{check}")
}

/// IP for an achievement published in `pub_year`.
fn make_ip(rng: &mut Rng, sub: &Sub, core: &str, pub_year: i32, used: &mut HashSet<String>) -> Vec<DemoIp> {
    let hi = pub_year.clamp(2015, 2025);
    let lo = (hi - 6).max(2015);
    let mut kinds: Vec<&'static str> = Vec::new();
    if is_software(core) {
        kinds.resize(rng.range(1, 3) as usize, "software_copyright");
        if rng.chance(50) {
            kinds.push("invention_patent");
        }
    } else if is_field_work(sub.code) && rng.chance(25) {
        // Varieties and field practices are often protected otherwise; no patent listed.
    } else {
        kinds.push("invention_patent");
        for _ in 0..rng.weighted(&[40, 40, 20]) {
            let hardware = matches!(
                top_of(sub.code),
                "equipment" | "plateau_medicine" | "marine" | "electronic_info"
            );
            let k = if hardware && rng.chance(15) {
                "design"
            } else if rng.chance(45) {
                "utility_model"
            } else {
                "invention_patent"
            };
            kinds.push(k);
        }
    }
    let mut out = Vec::new();
    for kind in kinds {
        let year = lo + rng.below((hi - lo + 1) as usize) as i32;
        let age = pub_year - year;
        let (number, status) = if kind == "software_copyright" {
            (format!("{year}SR{:07}", rng.range(10_000, 1_999_999)), "granted")
        } else {
            let kind_digit = match kind {
                "invention_patent" => 1,
                "utility_model" => 2,
                _ => 3,
            };
            let granted = match kind {
                "invention_patent" => age >= 4 || (age >= 2 && rng.chance(60)),
                _ => age >= 1 || rng.chance(40),
            };
            (
                patent_number(rng, year, kind_digit),
                if granted { "granted" } else { "applied" },
            )
        };
        if used.insert(number.clone()) {
            out.push(DemoIp { kind, number, status });
        }
    }
    out
}

fn ip_sentence(ip: &[DemoIp]) -> String {
    if ip.is_empty() {
        return "知识产权：以技术秘密和技术规程形式保护，可提供全套技术资料。".to_string();
    }
    let count = |kind: &str, status: &str| ip.iter().filter(|i| i.kind == kind && i.status == status).count();
    let mut parts = Vec::new();
    for (kind, label) in [
        ("invention_patent", "发明专利"),
        ("utility_model", "实用新型专利"),
        ("design", "外观设计专利"),
    ] {
        let granted = count(kind, "granted");
        let applied = count(kind, "applied");
        if granted > 0 {
            parts.push(format!("获授权{label}{granted}项"));
        }
        if applied > 0 {
            parts.push(format!("申请{label}{applied}项"));
        }
    }
    let soft = count("software_copyright", "granted");
    if soft > 0 {
        parts.push(format!("登记软件著作权{soft}项"));
    }
    format!("知识产权：已{}。", parts.join("，"))
}

// ---------------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------------

/// Title parts drawn for a listing.
struct Draw {
    org: usize,
    sub: usize,
    obj: &'static str,
    qual: &'static str,
    process: &'static str,
}

impl Draw {
    fn core(&self) -> String {
        format!("{}{}{}", self.obj, self.qual, self.process)
    }
}

struct Gen {
    rng: Rng,
    today: i64,
    titles: HashSet<String>,
    ip_numbers: HashSet<String>,
}

impl Gen {
    fn draw(&mut self, org: usize) -> Draw {
        let fields = ORGS[org].fields;
        let weights: Vec<u32> = fields.iter().map(|f| top_weight(f)).collect();
        let top = fields[self.rng.weighted(&weights)];
        let subs: Vec<usize> = (0..SUBS.len()).filter(|&i| top_of(SUBS[i].code) == top).collect();
        let sub = *self.rng.pick(&subs);
        let s = &SUBS[sub];
        Draw {
            org,
            sub,
            obj: self.rng.pick_str(s.objs),
            qual: self.rng.pick_str(s.quals),
            process: self.rng.pick_str(s.procs),
        }
    }

    /// Draws title parts until `make` gives an unused title (changing organization after a while).
    fn unique<F>(&mut self, weights: &[u32], mut make: F) -> (Draw, String)
    where
        F: FnMut(&mut Rng, &Draw) -> String,
    {
        let mut org = self.rng.weighted(weights);
        let mut last = None;
        for attempt in 0..200 {
            if attempt % 20 == 19 {
                org = self.rng.weighted(weights);
            }
            let d = self.draw(org);
            let title = make(&mut self.rng, &d);
            if !self.titles.contains(&title) {
                self.titles.insert(title.clone());
                return (d, title);
            }
            last = Some((d, title));
        }
        last.expect("at least one attempt")
    }

    fn demand(&mut self, weights: &[u32]) -> DemoDemand {
        let (d, title) = self.unique(weights, |rng, d| demand_title(rng, &d.core()));
        let sub = &SUBS[d.sub];
        let spec = &ORGS[d.org];
        let core = d.core();
        let rng = &mut self.rng;
        let tier = tier_index(sub);
        let ms = metrics3(rng, sub);
        let pain_a = rng.below(sub.pains.len());
        let pain_b = (pain_a + 1) % sub.pains.len();
        let coop_modes = pick_modes(
            rng,
            &[
                ("transfer", 15),
                ("licence", 10),
                ("joint_development", 30),
                ("commissioned_development", 30),
                ("equity", 3),
                ("consulting", 6),
                ("service", 6),
            ],
        );

        let is_challenge = rng.chance(10);
        let published_days_ago = if is_challenge {
            rng.range(0, 45)
        } else {
            rng.range(0, 330)
        };
        let (budget_min_fen, budget_max_fen, negotiable, challenge, deadline_day) = if is_challenge {
            let bounty = *rng.pick(BOUNTIES[tier]) * FEN_PER_WAN;
            let closes = self.today + i64::from(rng.range(15, 75));
            let months = *rng.pick(&[12, 18, 24, 36]);
            let usage = rng.pick(sub.uses);
            let sites = rng.range(1, 3);
            let patents = rng.range(1, 5);
            let goals = format!(
                "围绕{core}开展联合攻关，{months}个月内形成可在{usage}推广应用的成套技术方案，并完成不少于{sites}项现场示范验证。"
            );
            let indicators = format!(
                "1. {}；2. {}；3. {}；4. 申请发明专利不少于{patents}项。",
                ms[0], ms[1], ms[2]
            );
            let challenge = DemoChallenge {
                bounty_fen: bounty,
                goals,
                indicators,
                closes_on: iso(closes),
            };
            (Some(bounty), Some(bounty), false, Some(challenge), closes)
        } else {
            let deadline = self.today + i64::from(rng.range(30, 300));
            if rng.chance(20) {
                (None, None, true, None, deadline)
            } else {
                let (lo, hi) = *rng.pick(BUDGETS[tier]);
                (
                    Some(lo * FEN_PER_WAN),
                    Some(hi * FEN_PER_WAN),
                    rng.chance(15),
                    None,
                    deadline,
                )
            }
        };
        let grade = if is_challenge || (sub.tier >= 2 && rng.chance(20)) {
            "key"
        } else {
            "general"
        };

        let third = match &challenge {
            Some(c) => format!("本需求以“揭榜挂帅”方式公开张榜，榜额{}万元。", wan(c.bounty_fen)),
            None if rng.chance(50) => format!("拟以{}方式开展合作。", modes_zh(&coop_modes)),
            None => String::new(),
        };
        let summary = format!(
            "{}企业现就{core}面向高校、科研院所和科技企业征集解决方案，要求{}。{third}",
            sub.pains[pain_a], ms[0]
        );
        let support = *rng.pick(&[
            "企业可提供现场试验条件和生产运行数据",
            "企业可提供中试场地、原料样品和配套人员",
            "企业可配套研发经费并安排技术骨干全程参与",
            "企业可提供示范应用场景并协助开展工程验证",
        ]);
        let budget_text = match (budget_min_fen, budget_max_fen) {
            (Some(lo), Some(hi)) if lo == hi => format!("项目经费{}万元", wan(lo)),
            (Some(lo), Some(hi)) if negotiable => format!("项目经费{}万—{}万元，可根据方案商议", wan(lo), wan(hi)),
            (Some(lo), Some(hi)) => format!("项目经费{}万—{}万元", wan(lo), wan(hi)),
            _ => "项目经费面议".to_string(),
        };
        let detail = format!(
            "一、需求背景：{}二、技术要求：{}；{}；{}。三、合作条件：{support}，合作方式为{}，{budget_text}，期望于{}前完成技术对接。",
            sub.pains[pain_b],
            ms[0],
            ms[1],
            ms[2],
            modes_zh(&coop_modes),
            year_month_zh(deadline_day)
        );
        let dept = *rng.pick(&["技术中心", "研发部", "生产技术部", "总工办", "科技管理部"]);
        let contact = format!(
            "联系人：{}（{dept}），电话：{}",
            person(rng, spec.region),
            phone(rng, spec.region)
        );

        DemoDemand {
            org_key: format!("org-{}", d.org + 1),
            title,
            summary,
            detail,
            contact,
            field_code: sub.code.to_string(),
            keywords: keywords(sub, d.obj, d.qual, d.process),
            coop_modes,
            budget_min_fen,
            budget_max_fen,
            negotiable,
            deadline: iso(deadline_day),
            grade,
            challenge,
            published_days_ago,
        }
    }

    fn achievement(&mut self, weights: &[u32]) -> DemoAchievement {
        let drawn = 3 + self.rng.weighted(&[8, 14, 19, 20, 18, 14, 4]) as u8;
        let (d, title) = self.unique(weights, |rng, d| achievement_title(rng, &d.core(), drawn));
        let core = d.core();
        // Studies and evaluations are research results, not products in mass use.
        let trl = if core.ends_with("研究") || core.ends_with("评价") {
            drawn.min(6)
        } else {
            drawn
        };
        let sub = &SUBS[d.sub];
        let spec = &ORGS[d.org];
        let research = spec.kind != ENT;
        let published_days_ago = self.rng.range(0, 400);
        let published = self.today - i64::from(published_days_ago);
        let pub_year = civil_from_days(published).0;
        let ip = make_ip(&mut self.rng, sub, &core, pub_year, &mut self.ip_numbers);
        let rng = &mut self.rng;
        let tier = tier_index(sub);
        let ms = metrics3(rng, sub);
        let usage = *rng.pick(sub.uses);
        let ranked = ranked_principles(rng, sub, &core);
        let (pr_a, pr_b) = (ranked[0], ranked[1]);

        let transfer_modes = if research {
            pick_modes(
                rng,
                &[
                    ("transfer", 30),
                    ("licence", 30),
                    ("equity", 15),
                    ("joint_development", 20),
                    ("use_first_pay_later", 15),
                ],
            )
        } else {
            pick_modes(
                rng,
                &[
                    ("transfer", 35),
                    ("licence", 35),
                    ("equity", 10),
                    ("joint_development", 20),
                ],
            )
        };
        let pricing_method = ["agreement", "listing", "appraisal", "auction"][rng.weighted(&[55, 25, 12, 8])];
        let prices = PRICES[tier];
        let price_wan = if trl <= 4 {
            prices[rng.below(prices.len() / 2 + 1)]
        } else if trl >= 7 {
            prices[prices.len() / 3 + rng.below(prices.len() - prices.len() / 3)]
        } else {
            *rng.pick(prices)
        };
        let (price_fen, negotiable) = match pricing_method {
            "agreement" if rng.chance(35) => (None, true),
            "agreement" => (Some(price_wan * FEN_PER_WAN), rng.chance(30)),
            _ => (Some(price_wan * FEN_PER_WAN), false),
        };
        let notice = if pricing_method == "agreement" && price_fen.is_some() && research && rng.chance(70) {
            let from = published + i64::from(rng.range(0, 3).min(published_days_ago));
            Some((iso(from), iso(from + 15)))
        } else {
            None
        };

        let verb = if is_activity(&core) { "完成了" } else { "研发了" };
        let team = if research {
            format!("{}科研团队", spec.name)
        } else {
            format!("{}技术中心", spec.name)
        };
        let summary = format!(
            "{team}面向{usage}需求，{verb}{core}。该成果{}，{}，{}。{}",
            sub.principles[pr_a],
            ms[0],
            ms[1],
            stage_sentence(rng, sub, &core, trl)
        );
        let price_text = match (pricing_method, price_fen) {
            ("listing", Some(p)) => format!("挂牌交易，挂牌价{}万元", wan(p)),
            ("auction", Some(p)) => format!("拍卖交易，起拍价{}万元", wan(p)),
            ("appraisal", Some(p)) => format!("评估作价，评估价值{}万元", wan(p)),
            (_, Some(p)) if negotiable => format!("协议定价，参考价格{}万元，可议价", wan(p)),
            (_, Some(p)) => format!("协议定价，拟交易价格{}万元", wan(p)),
            _ => "协议定价，价格面议".to_string(),
        };
        let notice_text = match &notice {
            Some((from, to)) => format!("，拟交易价格公示期为{from}至{to}"),
            None => String::new(),
        };
        let detail = format!(
            "技术背景：{}技术方案与指标：{}；主要技术指标为{}、{}、{}。{}转化方式：{}；{price_text}{notice_text}。",
            sub.pains[rng.below(sub.pains.len())],
            sub.principles[pr_b],
            ms[0],
            ms[1],
            ms[2],
            ip_sentence(&ip),
            modes_zh(&transfer_modes)
        );
        let contact = if research {
            let title = if spec.kind == UNI {
                *rng.pick(&["教授", "副教授", "教授"])
            } else {
                *rng.pick(&["研究员", "副研究员", "研究员"])
            };
            format!(
                "联系人：{} {title}（项目负责人），电话：{}",
                person(rng, spec.region),
                phone(rng, spec.region)
            )
        } else {
            format!(
                "联系人：{}（技术中心），电话：{}",
                person(rng, spec.region),
                phone(rng, spec.region)
            )
        };

        DemoAchievement {
            org_key: format!("org-{}", d.org + 1),
            title,
            summary,
            detail,
            contact,
            field_code: sub.code.to_string(),
            keywords: keywords(sub, d.obj, d.qual, d.process),
            trl,
            transfer_modes,
            pricing_method,
            price_fen,
            negotiable,
            notice,
            ip,
            published_days_ago,
        }
    }
}

/// Weight of an organization when drawing the author of a demand (enterprises only).
fn demand_weight(o: &OrgSpec) -> u32 {
    if o.kind != ENT || o.fields.is_empty() {
        return 0;
    }
    match o.region.get(..2).unwrap_or("") {
        "63" => 4,
        "62" | "37" => 3,
        _ => 2,
    }
}

/// Weight of an organization when drawing the owner of an achievement.
fn achievement_weight(o: &OrgSpec) -> u32 {
    if o.fields.is_empty() {
        return 0;
    }
    match (o.kind, o.region.get(..2).unwrap_or("")) {
        (ENT, _) => 1,
        (_, "63") => 10,
        _ => 8,
    }
}

/// Generates the demo market for `seed`, with dates relative to `today` (year, month, day).
pub fn market(seed: u64, today: (i32, u32, u32)) -> DemoMarket {
    let mut gen = Gen {
        rng: Rng::new(seed),
        today: days_from_civil(today.0, today.1, today.2),
        titles: HashSet::new(),
        ip_numbers: HashSet::new(),
    };

    let orgs: Vec<DemoOrg> = ORGS
        .iter()
        .enumerate()
        .map(|(i, o)| DemoOrg {
            key: format!("org-{}", i + 1),
            kind: o.kind,
            name: o.name.to_string(),
            region_code: o.region.to_string(),
            sme: o.flags & SME != 0,
            tech_sme: o.flags & TECH_SME != 0,
            high_tech: o.flags & HIGH_TECH != 0,
            user_name: person(&mut gen.rng, o.region),
            email_local: o.email.to_string(),
        })
        .collect();

    let cert_year_hi = today.0.clamp(2019, 2025);
    let brokers: Vec<DemoBroker> = BROKER_REGIONS
        .iter()
        .enumerate()
        .map(|(i, &(region, prefix))| {
            let year = gen.rng.range(2019, cert_year_hi as u32);
            let serial = gen.rng.range(1, 60) * 100 + i as u32 + 1;
            DemoBroker {
                name: person(&mut gen.rng, region),
                certificate: format!("{prefix}-JJR-{year}-{serial:04}"),
                region_code: region.to_string(),
                email_local: format!("{}jjr{:02}", prefix.to_ascii_lowercase(), i + 1),
            }
        })
        .collect();

    let demand_weights: Vec<u32> = ORGS.iter().map(demand_weight).collect();
    let achievement_weights: Vec<u32> = ORGS.iter().map(achievement_weight).collect();
    let n_demands = 240 + gen.rng.below(21);
    let demands: Vec<DemoDemand> = (0..n_demands).map(|_| gen.demand(&demand_weights)).collect();
    let n_achievements = 290 + gen.rng.below(21);
    let achievements: Vec<DemoAchievement> = (0..n_achievements)
        .map(|_| gen.achievement(&achievement_weights))
        .collect();

    let (mut demands, mut achievements) = (demands, achievements);
    let (en_demands, en_achievements) = english_listings(gen.today);
    demands.extend(en_demands);
    achievements.extend(en_achievements);

    DemoMarket {
        orgs,
        brokers,
        demands,
        achievements,
    }
}

/// The key of the organization with this e-mail local part.
fn org_key(email: &str) -> String {
    let i = ORGS.iter().position(|o| o.email == email).unwrap_or(0);
    format!("org-{}", i + 1)
}

/// A few listings written in English, as joint labs and international teams post them, so that the
/// demo market answers English queries too. Fixed texts: they draw nothing from the generator.
fn english_listings(today: i64) -> (Vec<DemoDemand>, Vec<DemoAchievement>) {
    let a = |org: &str,
             title: &str,
             summary: &str,
             field: &str,
             keywords: &[&str],
             trl: u8,
             modes,
             price: Option<i64>,
             days: u32| {
        DemoAchievement {
            org_key: org_key(org),
            title: title.to_string(),
            summary: summary.to_string(),
            detail: format!("{summary} Technical data, test reports and licence terms are shared after the confidentiality terms are accepted."),
            contact: "International Technology Transfer Office, +86 532 6678 0000".to_string(),
            field_code: field.to_string(),
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            trl,
            transfer_modes: modes,
            pricing_method: "agreement",
            price_fen: price,
            negotiable: price.is_none(),
            notice: None,
            ip: Vec::new(),
            published_days_ago: days,
        }
    };
    let achievements = vec![
        a("ouc", "Seawater desalination membrane with anti-fouling coating",
          "A graphene-oxide coated reverse-osmosis membrane that keeps 95% of its flux after 2,000 hours on raw seawater; pilot module running at a Qingdao desalination plant.",
          "marine.engineering", &["desalination", "membrane", "anti-fouling"], 7, vec!["licence", "transfer"], Some(180_000_000), 12),
        a("ouc", "Autonomous ocean observation buoy for aquaculture waters",
          "Solar-powered buoy measuring dissolved oxygen, temperature and chlorophyll every ten minutes, with 4G and BeiDou links; deployed in three offshore fish farms.",
          "marine.aquaculture", &["ocean observation", "buoy", "aquaculture"], 8, vec!["transfer", "licence", "use_first_pay_later"], Some(60_000_000), 30),
        a("qust", "Direct lithium extraction adsorbent for high-magnesium brine",
          "Aluminium-based lithium adsorbent for brines with a Mg/Li ratio above 50; lithium recovery above 85% in a 500-tonne pilot on Qaidam brine.",
          "lithium.brine", &["lithium extraction", "adsorbent", "brine"], 6, vec!["licence", "joint_development"], None, 45),
        a("qust", "Low-temperature electrolyte for lithium-ion batteries",
          "Electrolyte additive package that keeps 80% of capacity at minus 30 degrees Celsius, for storage stations on the plateau.",
          "new_materials.battery_materials", &["electrolyte", "lithium-ion battery", "low temperature"], 5, vec!["licence", "equity"], Some(250_000_000), 60),
        a("qhu", "PEM electrolyser stack for wind and solar hydrogen",
          "A 250 kW proton-exchange-membrane electrolyser stack that follows fluctuating wind and solar power, tested for 3,000 hours at 2,200 m altitude.",
          "hydrogen.electrolysis", &["hydrogen", "electrolyser", "PEM"], 7, vec!["transfer", "joint_development"], Some(500_000_000), 20),
    ];
    let deadline = iso(today + 150);
    let d = |org: &str,
             title: &str,
             summary: &str,
             field: &str,
             keywords: &[&str],
             modes,
             budget: Option<i64>,
             days: u32| DemoDemand {
        org_key: org_key(org),
        title: title.to_string(),
        summary: summary.to_string(),
        detail: format!("{summary} We can host trials at our site and share operating data."),
        contact: "Project office, +86 532 8899 0000".to_string(),
        field_code: field.to_string(),
        keywords: keywords.iter().map(|k| k.to_string()).collect(),
        coop_modes: modes,
        budget_min_fen: budget,
        budget_max_fen: budget,
        negotiable: budget.is_none(),
        deadline: deadline.clone(),
        grade: "general",
        challenge: None,
        published_days_ago: days,
    };
    let demands = vec![
        d("qdhyxx", "Seeking anti-fouling sensors for long-term ocean monitoring",
          "Our buoys lose sensor accuracy within weeks because of biofouling; we seek an anti-fouling coating or cleaning method for optical dissolved-oxygen sensors.",
          "marine.aquaculture", &["ocean monitoring", "anti-fouling", "sensor"], vec!["licence", "joint_development"], Some(80_000_000), 10),
        d("qdhgzb", "Need a desalination unit for offshore platforms",
          "A compact seawater desalination unit of 50 tonnes a day for offshore platforms, with membranes that resist fouling and a low energy use per tonne.",
          "marine.engineering", &["desalination", "membrane", "offshore"], vec!["transfer", "licence"], Some(300_000_000), 25),
        d("qdxwdz", "Battery electrolyte for cold-climate energy storage",
          "We build storage cabinets for sites at minus 30 degrees and need a lithium-ion electrolyte that keeps capacity in the cold.",
          "new_materials.battery_materials", &["electrolyte", "low temperature", "energy storage"], vec!["licence"], Some(200_000_000), 5),
    ];
    (demands, achievements)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: (i32, u32, u32) = (2025, 7, 15);

    fn regions() -> HashSet<&'static str> {
        include_str!("data/regions.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split('\t').next())
            .collect()
    }

    fn valid_patent(number: &str) -> bool {
        let Some((digits, check)) = number.split_once('.') else {
            return false;
        };
        digits.len() == 12 && check.len() == 1 && crate::patents::validate_application_number(number).is_ok()
    }

    fn valid_date(s: &str) -> Option<i64> {
        let parts: Vec<&str> = s.split('-').collect();
        if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
            return None;
        }
        let (y, m, d) = (parts[0].parse().ok()?, parts[1].parse().ok()?, parts[2].parse().ok()?);
        let day = days_from_civil(y, m, d);
        (civil_from_days(day) == (y, m, d)).then_some(day)
    }

    fn unique_ratio<'a>(titles: impl Iterator<Item = &'a String>) -> f64 {
        let all: Vec<&String> = titles.collect();
        let set: HashSet<&String> = all.iter().copied().collect();
        set.len() as f64 / all.len() as f64
    }

    #[test]
    fn deterministic_for_a_seed() {
        assert_eq!(market(7, TODAY), market(7, TODAY));
        let a = market(7, TODAY);
        let b = market(8, TODAY);
        assert_ne!(a.demands, b.demands);
        assert_ne!(a.achievements, b.achievements);
    }

    #[test]
    fn counts_in_range() {
        for seed in [0, 1, 42, u64::MAX] {
            let m = market(seed, TODAY);
            assert!((55..=70).contains(&m.orgs.len()), "{}", m.orgs.len());
            assert!((10..=15).contains(&m.brokers.len()));
            assert!((243..=263).contains(&m.demands.len()), "{}", m.demands.len());
            assert!((295..=315).contains(&m.achievements.len()), "{}", m.achievements.len());
            let challenges = m.demands.iter().filter(|d| d.challenge.is_some()).count();
            assert!((10..=45).contains(&challenges), "{challenges}");
            assert!(m.achievements.iter().any(|a| a.notice.is_some()));
            for kind in [
                "enterprise",
                "university",
                "research_institute",
                "transfer_platform",
                "transfer_institution",
                "contract_service_point",
            ] {
                assert!(m.orgs.iter().any(|o| o.kind == kind), "{kind}");
            }
        }
    }

    #[test]
    fn region_codes_are_real() {
        let table = regions();
        let m = market(3, TODAY);
        let codes = m
            .orgs
            .iter()
            .map(|o| &o.region_code)
            .chain(m.brokers.iter().map(|b| &b.region_code));
        for code in codes {
            assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
            assert!(table.contains(code.as_str()), "{code} not in regions.tsv");
        }
    }

    #[test]
    fn keys_and_emails_unique() {
        let m = market(5, TODAY);
        let keys: HashSet<&String> = m.orgs.iter().map(|o| &o.key).collect();
        assert_eq!(keys.len(), m.orgs.len());
        let names: HashSet<&String> = m.orgs.iter().map(|o| &o.name).collect();
        assert_eq!(names.len(), m.orgs.len());
        let emails: Vec<&String> = m
            .orgs
            .iter()
            .map(|o| &o.email_local)
            .chain(m.brokers.iter().map(|b| &b.email_local))
            .collect();
        let set: HashSet<&&String> = emails.iter().collect();
        assert_eq!(set.len(), emails.len());
        for e in emails {
            assert!(
                !e.is_empty() && e.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
                "{e}"
            );
        }
        for b in &m.brokers {
            let parts: Vec<&str> = b.certificate.split('-').collect();
            assert_eq!(parts.len(), 4, "{}", b.certificate);
            assert_eq!(parts[1], "JJR");
            assert!(parts[2].len() == 4 && parts[3].len() == 4);
        }
        let certs: HashSet<&String> = m.brokers.iter().map(|b| &b.certificate).collect();
        assert_eq!(certs.len(), m.brokers.len());
        for d in &m.demands {
            let org = m.orgs.iter().find(|o| o.key == d.org_key).expect("demand org");
            assert_eq!(org.kind, "enterprise");
        }
        for a in &m.achievements {
            assert!(m.orgs.iter().any(|o| o.key == a.org_key));
        }
    }

    #[test]
    fn patent_check_digits_valid() {
        // Every demo patent number passes the register's own check (patents.rs, with its worked
        // examples), which the demo's numbers are made with.
        let mut patents = 0;
        for seed in [1, 2, 3] {
            let m = market(seed, TODAY);
            for ip in m.achievements.iter().flat_map(|a| &a.ip) {
                if ip.kind == "software_copyright" {
                    assert_eq!(ip.number.len(), 13, "{}", ip.number);
                    assert_eq!(&ip.number[4..6], "SR");
                    let year: i32 = ip.number[..4].parse().unwrap();
                    assert!((2015..=2025).contains(&year));
                    assert_eq!(ip.status, "granted");
                    continue;
                }
                patents += 1;
                assert!(valid_patent(&ip.number), "{}", ip.number);
                let year: i32 = ip.number[..4].parse().unwrap();
                assert!((2015..=2025).contains(&year), "{}", ip.number);
                let kind = match ip.kind {
                    "invention_patent" => b'1',
                    "utility_model" => b'2',
                    "design" => b'3',
                    other => panic!("{other}"),
                };
                assert_eq!(ip.number.as_bytes()[4], kind, "{}", ip.number);
                assert!(ip.status == "applied" || ip.status == "granted");
            }
        }
        assert!(patents > 300);
    }

    #[test]
    fn money_is_sane() {
        let m = market(11, TODAY);
        for d in &m.demands {
            match (d.budget_min_fen, d.budget_max_fen) {
                (Some(lo), Some(hi)) => {
                    assert!(lo > 0 && lo <= hi, "{lo} {hi}");
                    assert!(lo >= 10 * FEN_PER_WAN && hi <= 2000 * FEN_PER_WAN);
                    assert_eq!(lo % FEN_PER_WAN, 0);
                }
                (None, None) => assert!(d.negotiable),
                _ => panic!("half a budget"),
            }
            if let Some(c) = &d.challenge {
                assert!((50 * FEN_PER_WAN..=500 * FEN_PER_WAN).contains(&c.bounty_fen));
                assert_eq!(d.grade, "key");
                assert!(!c.goals.is_empty() && !c.indicators.is_empty());
                assert!(valid_date(&c.closes_on).unwrap() > days_from_civil(TODAY.0, TODAY.1, TODAY.2));
            }
        }
        for a in &m.achievements {
            match a.price_fen {
                Some(p) => assert!((10 * FEN_PER_WAN..=2000 * FEN_PER_WAN).contains(&p)),
                None => assert!(a.negotiable && a.pricing_method == "agreement"),
            }
        }
    }

    #[test]
    fn titles_unique_and_chinese() {
        for seed in [0, 9, 1234] {
            let m = market(seed, TODAY);
            let d = unique_ratio(m.demands.iter().map(|d| &d.title));
            let a = unique_ratio(m.achievements.iter().map(|a| &a.title));
            let all = unique_ratio(
                m.demands
                    .iter()
                    .map(|d| &d.title)
                    .chain(m.achievements.iter().map(|a| &a.title)),
            );
            assert!(d >= 0.95 && a >= 0.95 && all >= 0.95, "{d} {a} {all}");
            // Every title is Chinese but those of the few English listings.
            let english = m
                .demands
                .iter()
                .map(|d| &d.title)
                .chain(m.achievements.iter().map(|a| &a.title))
                .filter(|t| t.is_ascii())
                .count();
            assert_eq!(english, 8);
        }
    }

    #[test]
    fn fields_codes_and_text() {
        let codes: HashSet<&str> = FIELD_CODES.iter().copied().collect();
        assert_eq!(codes.len(), FIELD_CODES.len());
        for s in SUBS {
            assert!(codes.contains(s.code), "{}", s.code);
            assert!(codes.contains(top_of(s.code)), "{}", s.code);
            assert!(s.metrics.len() >= 3 && s.pains.len() >= 2 && s.principles.len() >= 2 && !s.uses.is_empty());
            for text in s.uses.iter().chain(s.pains).chain(s.principles) {
                assert!(!text.contains("中试"), "{text}");
            }
        }
        for o in ORGS {
            for f in o.fields {
                assert!(codes.contains(f), "{f}");
            }
        }
        let m = market(21, TODAY);
        let today = days_from_civil(TODAY.0, TODAY.1, TODAY.2);
        for d in &m.demands {
            assert!(codes.contains(d.field_code.as_str()));
            assert!(!d.keywords.is_empty() && !d.coop_modes.is_empty());
            if d.title.is_ascii() {
                continue;
            }
            assert!((2..=4).contains(&d.summary.matches('。').count()), "{}", d.summary);
            assert!((2..=4).contains(&d.detail.matches('。').count()), "{}", d.detail);
            assert!(valid_date(&d.deadline).unwrap() > today);
        }
        for a in &m.achievements {
            assert!(codes.contains(a.field_code.as_str()));
            assert!((3..=9).contains(&a.trl));
            if a.title.is_ascii() {
                continue;
            }
            let text = format!("{}{}", a.summary, a.detail);
            if text.contains("中试") {
                assert!((5..=6).contains(&a.trl), "{} {}", a.trl, a.summary);
            }
            assert!((2..=4).contains(&a.summary.matches('。').count()), "{}", a.summary);
            assert!((2..=4).contains(&a.detail.matches('。').count()), "{}", a.detail);
            if let Some((from, to)) = &a.notice {
                assert_eq!(valid_date(to).unwrap() - valid_date(from).unwrap(), 15);
                assert_eq!(a.pricing_method, "agreement");
            }
        }
    }

    #[test]
    fn any_today_works() {
        for today in [(2024, 2, 29), (2026, 12, 31), (2030, 1, 1)] {
            let m = market(99, today);
            let day = days_from_civil(today.0, today.1, today.2);
            for d in &m.demands {
                assert!(valid_date(&d.deadline).unwrap() > day);
            }
            for ip in m.achievements.iter().flat_map(|a| &a.ip) {
                let year: i32 = ip.number[..4].parse().unwrap();
                assert!(year <= today.0);
            }
        }
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for day in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        assert_eq!(iso(days_from_civil(2024, 2, 28) + 1), "2024-02-29");
        assert_eq!(iso(days_from_civil(2025, 12, 31) + 1), "2026-01-01");
    }
}
